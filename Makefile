# The two commands: `make run` and `make test`. Both install what is missing.
PY ?= python3

.PHONY: run test setup stop bench lint migrate

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
	.venv/bin/python bench/staff_queue.py
	.venv/bin/python bench/push_fanout.py
	.venv/bin/python bench/broadcast.py
	.venv/bin/python bench/survey_results.py
	.venv/bin/python bench/indicators.py
	.venv/bin/python bench/dashboard.py

lint: setup
	.venv/bin/ruff check .
