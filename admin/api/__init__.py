"""The staff API (/api/admin): one flask-smorest blueprint (`blueprint`), to which each area attaches its routes:
`identity` (tokens, me), `second_factor` (TOTP), `passwords` (change, reset by e-mail), `queue` (the queue,
overdue, bulk), `reports` (a report, its audit trail, photo moderation, the audit log, the triage actions),
`broadcasts`, `indicators`, `surveys` and `personal_data` (a person's data on their request). `auth` says who
calls and checks the policy (`admin/policy.py`) before each view."""

from __future__ import annotations

# The routes join the blueprint in this order, which is the order of the OpenAPI document's paths (and of
# Swagger UI's list): keep it.
# isort: off
from admin.api import identity, second_factor, passwords, queue, reports, broadcasts, indicators, surveys
from admin.api import personal_data

# isort: on
from admin.api.blueprint import blp

#: The area modules, imported for their routes.
AREAS = (identity, second_factor, passwords, queue, reports, broadcasts, indicators, surveys, personal_data)

__all__ = ["AREAS", "blp"]
