"""Schemathesis over /api/v1/openapi.json: no 5xx, and every answer matches the documented schema."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES_PER_OPERATION = 30
CHECKS = [not_a_server_error, response_schema_conformance]


def load(app: Flask) -> dict[tuple[str, str], Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return {(op.method.upper(), op.path): op for op in (r.ok() for r in schema.get_all_operations())}


def test_generated_requests_never_fail_and_answers_keep_to_the_schema(app: Flask, cities: dict) -> None:
    operations = load(app)
    assert len(operations) >= 9
    client = app.test_client()

    for operation in operations.values():
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case: schemathesis.Case) -> None:
            token = client.post("/api/v1/devices", json={"platform": "web", "locale": "en"}).json["token"]
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        exercise()


def test_every_successful_answer_keeps_to_the_schema(app: Flask, cities: dict) -> None:
    """The documented success answers, exercised with realistic data and checked against the schema."""
    ops = load(app)

    def call(method: str, path: str, status: int, headers: dict[str, str] | None = None, **parts: Any) -> Any:
        case = ops[(method, "/api/v1" + path)].Case(**parts)
        response = case.call_and_validate(headers=headers or {}, checks=CHECKS)
        assert response.status_code == status, (method, path, response.text)
        return response.json() if response.content else None

    device = call("POST", "/devices", 201, body={"platform": "android", "locale": "uk", "push_token": "t"})
    other = call("POST", "/devices", 201, body={"platform": "ios", "locale": "pl"})
    me, them = ({"Authorization": f"Bearer {d['token']}"} for d in (device, other))
    call("PATCH", "/devices/me", 200, me, body={"push_token": None, "locale": "en"})
    call("GET", "/services", 200, me, query={"lat": 50.0617, "lon": 19.9373})
    body = {"service_code": "street_light", "description": "Lamp out", "lat": 50.0617, "lon": 19.9373,
            "answers": {"problem": "off", "pole_number": "K-12"}, "address": "Rynek Główny",
            "contact": {"name": "N", "email": "n@example.com", "phone": "+48 600 000 000"}, "anonymous": False}
    report = call("POST", "/reports", 201, {**me, "Idempotency-Key": "fuzz-1"}, body=body)
    call("POST", "/reports", 201, them, body={**body, "lon": 19.93731, "contact": None})
    ref = {"report_ref": report["public_id"]}
    call("GET", "/reports/{report_ref}", 200, them, path_parameters=ref)
    call("POST", "/reports/{report_ref}/supports", 200, them, path_parameters=ref)
    call("DELETE", "/reports/{report_ref}/supports", 200, them, path_parameters=ref)
    call("GET", "/me/reports", 200, me, query={"limit": 5})
    call("GET", "/me/export", 200, me)
    call("DELETE", "/me", 204, me)
