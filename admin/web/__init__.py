"""The staff web UI under /admin: server-rendered pages (Jinja2), htmx for in-place actions, Leaflet maps.

Sign-in gives an HTTP-only, SameSite session cookie holding a staff token (the same tokens, lockout and
expiry as the admin API); every form carries a CSRF token (Flask-WTF); every page goes through the same
declarative policy as the API (`admin/policy.py`). Front-end libraries come from npm (`admin/frontend`,
installed with `npm ci` at set-up) and are served from here; the Content-Security-Policy allows no inline
script.

One blueprint, `web` (`common`), to which each area attaches its pages: `reports` (the queue, its map, a report
and its actions), `broadcasts`, `surveys`, `manage` (people, departments, services, keys), `dashboard`
(the indicators), `account` (the second factor: the sign-in's second step, one's own account page) and
`passwords` (changing one's own password, a forgotten one set again through an e-mailed link) and
`personal_data` (a person's data on their request: shown, downloaded, erased).
"""

from __future__ import annotations

# The pages join the blueprint in this order (as when they were one module): keep it.
# isort: off
from admin.web import reports, broadcasts, surveys, manage, dashboard, account, passwords
from admin.web import personal_data

# isort: on
from admin.web.common import bp, init_app

#: The area modules are imported for their pages, which join the blueprint.
AREAS = (reports, broadcasts, surveys, manage, dashboard, account, passwords, personal_data)

__all__ = ["AREAS", "bp", "init_app"]
