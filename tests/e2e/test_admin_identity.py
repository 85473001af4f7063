"""Staff identity, the declarative policy (tested route by route), moderation and the append-only audit log."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy.exc
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from admin.policy import POLICY
from backend.models import AuditEntry, Jurisdiction, StaffToken, utcnow
from backend.staff import create_staff
from tests.e2e.conftest import TOTP_SECRET, Resident, sign_in_body
from tests.e2e.test_photos import jpeg_with_gps_rotated

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "manager", "dispatcher", "department_staff", "viewer")
BROADCAST = {"topic": "city_news", "audience": "radius", "lat": 50.0614, "lon": 19.9372, "radius_m": 10}
#: Where each municipality's broadcast is aimed: Kraków's market square, Skawina in the powiat around it.
BROADCAST_AT = {"1261011": {"lat": 50.0614, "lon": 19.9372}, "1206": {"lat": 49.9753, "lon": 19.8286}}
SURVEY = {"title": {"pl": "Test"}, "questions": [{"code": "q1", "kind": "likert5", "text": {"pl": "Jak?"}}]}


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, str]:
    """E-mails of one staff member per role in Kraków, and an admin of the powiat."""
    tag = uuid.uuid4().hex[:6]
    emails = {}
    with app.app_context():
        for role in ROLES:
            emails[role] = f"{role}-{tag}@krakow.example"
            create_staff(
                email=emails[role],
                password=PASSWORD,
                role=role,
                jurisdiction_code="1261011",
                department_code="zdmk" if role == "department_staff" else None,
                totp_secret=TOTP_SECRET if role == "admin" else None,
            )
        emails["foreign_admin"] = f"admin-{tag}@powiat.example"
        create_staff(
            email=emails["foreign_admin"],
            password=PASSWORD,
            role="admin",
            jurisdiction_code="1206",
            totp_secret=TOTP_SECRET,
        )
    return emails


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/admin/tokens", json=sign_in_body(client.application, email, password))


def bearer(client: FlaskClient, email: str) -> dict[str, str]:
    res = login(client, email)
    assert res.status_code == 201, res.json
    return {"Authorization": f"Bearer {res.json['token']}"}


@pytest.fixture(scope="module")
def fixtures(app: Flask, cities: dict, staff: dict) -> dict[str, Any]:
    """Reports and pending photos in Kraków (department zdmk) and in the powiat."""
    client = app.test_client()
    me = Resident(client)
    own = me.report(contact={"name": "Kasia", "email": "kasia@example.com"})
    other_dept = me.report(service_code="graffiti", answers={})
    foreign = me.report(service_code="road_sign", lat=50.2, lon=20.1, answers={})
    out = {"own": own["id"], "other_dept": other_dept["id"], "foreign": foreign["id"]}
    for key in ("own", "foreign"):
        res = client.post(
            f"/api/v1/reports/{out[key]}/photos",
            headers=me.headers,
            data={"photo": (io.BytesIO(jpeg_with_gps_rotated()), "p.jpg")},
            content_type="multipart/form-data",
        )
        assert res.status_code == 201
        out[f"{key}_photo"] = res.json["id"]
    with app.app_context():  # a broadcast scheduled a month ahead in each municipality
        from backend import indicators, surveys
        from backend.broadcasts import create
        from backend.db import session
        from backend.models import StaffUser

        code_of = {key: f"policy-{uuid.uuid4().hex[:6]}" for key in ("own_broadcast", "foreign_broadcast")}

        for key, code in (("own_broadcast", "1261011"), ("foreign_broadcast", "1206")):
            author = (
                session()
                .scalars(
                    select(StaffUser)
                    .join(StaffUser.jurisdiction)
                    .where(Jurisdiction.code == code, StaffUser.role == "admin")
                )
                .first()
            )
            out[key] = create(
                author,
                {
                    **BROADCAST,
                    **BROADCAST_AT[code],
                    "texts": {"pl": {"title": "Test", "body": "Test"}},
                    "send_at": utcnow() + timedelta(days=30),
                },
            )["id"]
            out[key.replace("broadcast", "survey")] = surveys.create(author, SURVEY)["id"]
            made = indicators.create(author, {**INDICATOR, "code": code_of[key]})
            out[key.replace("broadcast", "indicator")] = made["code"]
        # A colleague of no other use here (a reset of their factor ends their sessions) and the powiat's admin.
        from backend.staff.accounts import create_staff

        colleague, _ = create_staff(
            email=f"colleague-{uuid.uuid4().hex[:8]}@krakow.example",
            password=PASSWORD,
            role="viewer",
            jurisdiction_code="1261011",
        )
        out["own_staff"] = colleague.id
        out["foreign_staff"] = (
            session().scalars(select(StaffUser.id).where(StaffUser.email == staff["foreign_admin"])).one()
        )
    return out


def test_sign_in_gives_an_expiring_token_and_sign_out_revokes_it(client: FlaskClient, staff: dict, db: Session) -> None:
    res = login(client, staff["dispatcher"].upper())
    assert res.status_code == 201 and res.json["role"] == "dispatcher"
    headers = {"Authorization": f"Bearer {res.json['token']}"}
    me = client.get("/api/admin/me", headers=headers).json
    assert me["email"] == staff["dispatcher"] and me["jurisdiction"] == "1261011"
    assert client.delete("/api/admin/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/admin/me", headers=headers).status_code == 401
    headers = bearer(client, staff["dispatcher"])
    db.execute(
        update(StaffToken)
        .where(StaffToken.token_hash.is_not(None), StaffToken.revoked_at.is_(None))
        .values(expires_at=utcnow())
    )
    db.commit()
    assert client.get("/api/admin/me", headers=headers).status_code == 401


def test_wrong_passwords_make_that_address_wait_not_the_account(app: Flask, staff: dict) -> None:
    email = staff["viewer"]
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    unknown = login(stranger, f"nobody-{uuid.uuid4().hex}@x.example")
    assert unknown.status_code == 401
    for _ in range(5):
        res = login(stranger, email, "wrong password")
        assert res.status_code == 401 and res.json["message"] == unknown.json["message"]
    waiting = login(stranger, email)  # after five failures even the right password waits, from that address
    assert waiting.status_code == 429 and 0 < int(waiting.headers["Retry-After"]) <= 120
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.8.0.1"
    assert login(owner, email).status_code == 201  # the owner, elsewhere, is not locked out


def _path(rule: str, args: dict[str, Any]) -> str:
    for name, value in args.items():
        rule = re.sub(f"<(?:int|bigint|string):{name}>", str(value), rule)
    return rule


ARG_KINDS = {
    "report_id": ("own", "foreign"),
    "photo_id": ("own_photo", "foreign_photo"),
    "broadcast_id": ("own_broadcast", "foreign_broadcast"),
    "survey_id": ("own_survey", "foreign_survey"),
    "code": ("own_indicator", "foreign_indicator"),
    "staff_id": ("own_staff", "foreign_staff"),
}
INDICATOR = {
    "name": {"pl": "Test"},
    "unit": "%",
    "direction": "higher",
    "kind": "objective",
    "computation": "pct_resolved_within_sla",
}


def admin_routes(app: Flask) -> list[tuple[str, str, Any]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/admin/") or rule.endpoint.startswith("api-docs") or "openapi" in rule.rule:
            continue
        if rule.rule.startswith("/api/admin/docs"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            handler = getattr(view.view_class, method.lower())
            out.append((rule.rule, method, handler))
    return out


def test_every_admin_route_has_a_policy_entry(app: Flask) -> None:
    routes = admin_routes(app)
    assert len(routes) >= 7
    for rule, method, handler in routes:
        assert getattr(handler, "policy_endpoint", None) in POLICY, f"{method} {rule} has no policy entry"


def test_every_route_role_and_jurisdiction_gets_what_the_policy_says(
    app: Flask, client: FlaskClient, staff: dict, fixtures: dict
) -> None:
    tokens: dict[str, dict[str, str]] = {"admin": bearer(client, staff["admin"])}
    # Bodies chosen so that allowed calls have no lasting side effect (merge into itself is refused).
    bodies = {
        "photos.moderate": {"approve": True},
        "reports.status": {"status": "acknowledged"},
        "reports.assign": {"department": "zdmk"},
        "reports.priority": {"priority": "high"},
        "reports.reply": {"body": "On it"},
        "reports.note": {"body": "Crew booked"},
        "reports.recategorise": {"service_code": "pothole"},
        "reports.move": {"lat": 50.0617, "lon": 19.9373},
        "reports.merge": {"master_id": fixtures["own"]},
        "reports.moderate": {"description": "Redacted"},
        "reports.template_reply": {"status": "in_progress"},
        "reports.bulk": {"action": "assign", "department": "zdmk", "items": [{"id": fixtures["own"], "etag": "stale"}]},
        "broadcasts.preview": BROADCAST,
        "surveys.create": SURVEY,
        "surveys.update": SURVEY,
        "indicators.create": {**INDICATOR, "code": f"policy-new-{uuid.uuid4().hex[:6]}"},
        "indicators.update": {"owner": "Policy test"},
        "indicators.recompute": {"codes": []},
        "broadcasts.create": {
            **BROADCAST,
            "texts": {"pl": {"title": "Test", "body": "Test"}},
            "send_at": (utcnow() + timedelta(days=30)).isoformat(),
        },
    }
    for rule, method, handler in admin_routes(app):
        endpoint = handler.policy_endpoint
        roles = POLICY[endpoint]
        if roles is None:
            continue
        kinds = [k for k in ARG_KINDS if re.search(f"<(?:int|bigint|string):{k}>", rule)]
        for role in ROLES:
            if role not in tokens or endpoint == "tokens.delete":  # signing out spends the token
                tokens[role] = bearer(client, staff[role])
            for where in ("own", "foreign") if kinds else ("own",):
                args = {k: fixtures[ARG_KINDS[k][0 if where == "own" else 1]] for k in kinds}
                headers = dict(tokens[role])
                if method == "POST" and "report_id" in args:  # writes carry the current ETag
                    current = client.get(f"/api/admin/reports/{fixtures['own']}", headers=tokens["admin"])
                    headers["If-Match"] = current.headers["ETag"]
                res = client.open(_path(rule, args), method=method, headers=headers, json=bodies.get(endpoint))
                if endpoint == "tokens.delete":
                    tokens[role] = bearer(client, staff[role])
                    if role == "admin":
                        tokens["admin"] = tokens[role]
                if role not in roles:
                    assert res.status_code == 403, (method, rule, role, where, res.json)
                elif where == "foreign":
                    assert res.status_code == 404, (method, rule, role, where, res.json)
                else:  # allowed: whatever the action's own outcome, never refused by the policy
                    assert res.status_code not in (401, 403, 404), (method, rule, role, res.status_code, res.json)
        anonymous = client.open(
            _path(rule, {k: fixtures[ARG_KINDS[k][0]] for k in kinds}), method=method, json=bodies.get(endpoint)
        )
        assert anonymous.status_code == 401, (method, rule)


def test_department_staff_see_only_their_departments_reports(client: FlaskClient, staff: dict, fixtures: dict) -> None:
    headers = bearer(client, staff["department_staff"])
    assert client.get(f"/api/admin/reports/{fixtures['own']}", headers=headers).status_code == 200
    assert client.get(f"/api/admin/reports/{fixtures['other_dept']}", headers=headers).status_code == 404


def test_contact_data_is_shown_by_role(client: FlaskClient, staff: dict, fixtures: dict) -> None:
    seen = client.get(f"/api/admin/reports/{fixtures['own']}", headers=bearer(client, staff["dispatcher"])).json
    assert seen["contact"]["email"] == "kasia@example.com"
    assert {p["state"] for p in seen["photos"]} <= {"approved", "pending", "hidden"} and seen["photos"]
    hidden = client.get(f"/api/admin/reports/{fixtures['own']}", headers=bearer(client, staff["viewer"])).json
    assert hidden["contact"] is None


def test_staff_moderate_photos_and_see_unpublished_ones(
    client: FlaskClient, staff: dict, fixtures: dict, db: Session
) -> None:
    headers = bearer(client, staff["foreign_admin"])  # the powiat pre-moderates its photos
    detail = client.get(f"/api/admin/reports/{fixtures['foreign']}", headers=headers).json
    photo = next(p for p in detail["photos"] if p["id"] == fixtures["foreign_photo"])
    assert photo["state"] == "pending"
    path = urlsplit(photo["url"]).path
    assert client.get(path).status_code == 404
    assert client.get(path, headers=headers).status_code == 200
    assert client.get(path, headers=bearer(client, staff["admin"])).status_code == 404  # another jurisdiction
    res = client.post(f"/api/admin/photos/{photo['id']}/moderation", json={"approve": True}, headers=headers)
    assert res.status_code == 200 and res.json["state"] == "approved"
    assert client.get(path).status_code == 200
    trail = client.get("/api/admin/audit?limit=5", headers=headers).json
    entry = next(e for e in trail if e["action"] == "photo.moderate")
    assert entry["before"] == {"state": "pending"} and entry["after"]["state"] == "approved"


def test_the_audit_log_cannot_be_altered_through_the_orm_or_sql(db: Session, client: FlaskClient, staff: dict) -> None:
    bearer(client, staff["manager"])  # writes a login entry
    from sqlalchemy import select

    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    entry.action = "nothing happened"
    # The application's role has no UPDATE, DELETE or TRUNCATE on it; the trigger refuses even the owner
    # (tests/integration/test_db_roles.py proves both).
    refused = "append-only|permission denied"
    with pytest.raises(sqlalchemy.exc.DBAPIError, match=refused):
        db.commit()
    db.rollback()
    for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match=refused):
            db.execute(text(sql))
        db.rollback()
