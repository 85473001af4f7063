"""`hromada create-staff` and `hromada create-api-key`: usable accounts, secrets stored only hashed."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import ApiKey, StaffUser
from backend.security import digest, verify_password
from tests.integration.test_load_city import run_cli


def test_create_staff_stores_an_argon2_hash_that_verifies(app: Flask, cities: dict, db: Session) -> None:
    email = f"dispatcher-{uuid.uuid4().hex[:8]}@krakow.example"
    result = run_cli(
        app,
        "create-staff",
        "--email",
        email.upper(),
        "--password",
        "correct horse battery",
        "--role",
        "department_staff",
        "--jurisdiction",
        "1261011",
        "--department",
        "zdmk",
    )
    assert result.exit_code == 0, result.output
    user = db.scalars(select(StaffUser).where(StaffUser.email == email)).one()
    assert user.password_hash.startswith("$argon2")
    assert verify_password(user.password_hash, "correct horse battery")
    assert not verify_password(user.password_hash, "wrong")
    assert user.department is not None and user.department.code == "zdmk"
    again = run_cli(
        app,
        "create-staff",
        "--email",
        email,
        "--password",
        "another password",
        "--role",
        "viewer",
        "--jurisdiction",
        "1261011",
    )
    assert again.exit_code == 2 and "email" in again.output


def test_create_staff_refuses_an_unknown_jurisdiction_or_department(app: Flask, cities: dict) -> None:
    bad_j = run_cli(
        app,
        "create-staff",
        "--email",
        "x@y.example",
        "--password",
        "long enough pw",
        "--role",
        "viewer",
        "--jurisdiction",
        "0000000",
    )
    assert bad_j.exit_code == 2 and "No municipality 0000000" in bad_j.output
    no_dept = run_cli(
        app,
        "create-staff",
        "--email",
        "x@y.example",
        "--password",
        "long enough pw",
        "--role",
        "department_staff",
        "--jurisdiction",
        "1261011",
    )
    assert no_dept.exit_code == 2 and "department" in no_dept.output


def test_create_api_key_prints_the_key_last_and_stores_only_its_digest(app: Flask, cities: dict, db: Session) -> None:
    result = run_cli(
        app,
        "create-api-key",
        "--name",
        "stradom",
        "--jurisdiction",
        "1261011",
        "--scope",
        "indicators:read",
        "--scope",
        "open311:write",
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    row = db.scalars(select(ApiKey).where(ApiKey.key_hash == digest(key))).one()
    assert row.scopes == ["indicators:read", "open311:write"]
    assert key not in (row.key_hash, row.prefix) and key.startswith(row.prefix)
