# The two commands: `make run` and `make test`. Both install what is missing.
PY ?= python3

.PHONY: run test setup stop bench lint migrate load chaos audit

run:
	$(PY) scripts/stack.py run

test:
	$(PY) scripts/stack.py test

setup:
	$(PY) scripts/stack.py setup

stop:
	$(PY) scripts/stack.py stop

migrate: setup
	.venv/bin/hromada db upgrade

bench: setup
	.venv/bin/hromada db upgrade
	.venv/bin/hromada load-city cities/krakow
	.venv/bin/python bench/locate.py
	.venv/bin/python bench/seed.py
	.venv/bin/python bench/reports_submit.py
	.venv/bin/python bench/map.py
	.venv/bin/python bench/map_tiles.py
	.venv/bin/python bench/resident_site.py
	.venv/bin/python bench/staff_queue.py
	.venv/bin/python bench/push_fanout.py
	.venv/bin/python bench/broadcast.py
	.venv/bin/python bench/survey_results.py
	.venv/bin/python bench/indicators.py
	.venv/bin/python bench/dashboard.py
	.venv/bin/python bench/sign_in_burst.py
	.venv/bin/python bench/photo_reencode.py

# Not part of the test suite: a mixed load on the seeded 1M reports, faults under way (each with a verdict), and a
# dependency audit against the vulnerability database of PyPI.
load: setup
	.venv/bin/hromada db upgrade
	.venv/bin/hromada load-city cities/krakow
	.venv/bin/python bench/seed.py
	.venv/bin/python bench/load.py

chaos: setup
	.venv/bin/hromada db upgrade
	.venv/bin/python bench/chaos.py

audit: setup
	.venv/bin/pip-audit --strict --skip-editable $$(sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' -e 's/^/--ignore-vuln /' .pip-audit-ignore)

lint: setup
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/lint-imports --no-cache
	.venv/bin/mypy
