"""Schemathesis over /api/admin/openapi.json with an admin's token: no 5xx, and every answer that has a documented
schema matches it. Signing out is left out (it would spend the token the other operations need)."""

from __future__ import annotations

import uuid

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from backend.staff import create_staff
from tests.e2e.conftest import TOTP_SECRET, sign_in_body
from tests.e2e.test_resident_api_fuzz import CHECKS

EXAMPLES_PER_OPERATION = 12
PASSWORD = "correct horse battery staple"


def test_generated_admin_requests_never_fail_and_answers_keep_to_the_schema(app: Flask, cities: dict) -> None:
    email = f"fuzz-admin-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
    client = app.test_client()
    token = client.post("/api/admin/tokens", json=sign_in_body(app, email)).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/admin/openapi.json", app)
    operations = [op for op in (r.ok() for r in schema.get_all_operations()) if "/tokens" not in op.path]
    assert len(operations) >= 30
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        exercise()
    assert client.get("/api/admin/me", headers=headers).status_code == 200  # the token outlived the run
