"""Machine clients on the admin API: API keys with scopes, within their jurisdiction, audited."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import session
from backend.errors import DomainError
from backend.models import StaffUser
from backend.staff import create_api_key, create_staff, set_locale
from tests.e2e.conftest import HTTPS, PASSWORD, TOTP_SECRET, Resident, api_headers, web_session
from tests.integration.test_load_city import run_cli


def keys(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {"read": create_api_key(name="stradom", jurisdiction_code="1261011", scopes=["reports:read"])[1],
                "write": create_api_key(name="crm", jurisdiction_code="1261011", scopes=["reports:write"])[1],
                "open311": create_api_key(name="app", jurisdiction_code="1261011", scopes=["open311:write"])[1],
                "powiat": create_api_key(name="p", jurisdiction_code="1206", scopes=["reports:write"])[1]}


def test_api_keys_read_and_write_as_their_scopes_allow(app: Flask, client: FlaskClient, cities: dict) -> None:
    k = keys(app)
    report = Resident(client).report(contact={"email": "secret@example.com"})
    path = f"/api/admin/reports/{report['id']}"

    read = client.get(path, headers={"X-API-Key": k["read"]})
    assert read.status_code == 200 and read.json["contact"] is None  # readers see like viewers
    assert client.get("/api/admin/reports?limit=5", headers={"X-API-Key": k["read"]}).status_code == 200
    etag = read.headers["ETag"]
    status = {"status": "acknowledged"}
    refused = client.post(f"{path}/status", json=status, headers={"X-API-Key": k["read"], "If-Match": etag})
    assert refused.status_code == 403
    assert client.post(f"{path}/status", json=status,
                       headers={"X-API-Key": k["open311"], "If-Match": etag}).status_code == 403
    assert client.get(path, headers={"X-API-Key": k["powiat"]}).status_code == 404  # another jurisdiction
    assert client.get(path, headers={"X-API-Key": "hk_unknown"}).status_code == 401
    assert client.get("/api/admin/audit", headers={"X-API-Key": k["write"]}).status_code == 403  # staff only

    done = client.post(f"{path}/status", json=status, headers={"X-API-Key": k["write"], "If-Match": etag})
    assert done.status_code == 200 and done.json["status"] == "acknowledged"
    trail = client.get(f"{path}/audit", headers={"X-API-Key": k["read"]}).json
    assert trail[0]["action"] == "report.status" and trail[0]["api_key_id"] and trail[0]["staff_id"] is None


def _staff(app: Flask, role: str, locale: str = "en") -> tuple[str, dict[str, str]]:
    email = f"keys-{role}-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role=role, jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET if role == "admin" else None)
        if locale != "en":
            set_locale(session().scalars(select(StaffUser.id).where(StaffUser.email == email)).one(), locale)
    return email, api_headers(app, email)


def _key(app: Flask, *scopes: str) -> dict[str, str]:
    with app.app_context():
        return {"X-API-Key": create_api_key(name="scoped", jurisdiction_code="1261011", scopes=list(scopes))[1]}


def _redacted_report(app: Flask, client: FlaskClient) -> tuple[int, dict[str, str]]:
    """A report with contact data whose description a dispatcher redacted (the original stays in the audit)."""
    report = Resident(client).report(description="Call 600 100 200, Jan K. from no. 5 did it",
                                     contact={"name": "Anna Nowak", "email": "anna.nowak@example.com",
                                              "phone": "+48 600 100 200"})
    _, dispatcher = _staff(app, "dispatcher")
    path = f"/api/admin/reports/{report['id']}"
    etag = client.get(path, headers=dispatcher).headers["ETag"]
    redacted = client.post(f"{path}/moderate", json={"description": "[redacted]"},
                           headers={**dispatcher, "If-Match": etag})
    assert redacted.status_code == 200, redacted.json
    return report["id"], dispatcher


PERSONAL = ("anna.nowak@example.com", "Anna Nowak", "600 100 200", "127.0.0.1")


def test_a_reading_key_gets_the_audit_trail_without_redacted_text_or_ip_addresses(app: Flask,
                                                                                    client: FlaskClient) -> None:
    report_id, dispatcher = _redacted_report(app, client)
    path = f"/api/admin/reports/{report_id}/audit"
    staff_trail = client.get(path, headers=dispatcher).json
    assert "600 100 200" in staff_trail[0]["before"]["description"] and staff_trail[0]["ip"] == "127.0.0.1"

    got = client.get(path, headers=_key(app, "reports:read"))
    assert got.status_code == 200
    trail = got.json
    assert [e["action"] for e in trail] == [e["action"] for e in staff_trail]
    assert trail[0]["action"] == "report.moderate" and trail[0]["before"] == {"hidden": False}
    assert trail[0]["after"]["description"] == "[redacted]"  # what the public sees stays readable
    assert all(e["ip"] is None for e in trail)
    assert not any(p in got.get_data(as_text=True) for p in PERSONAL)


def test_a_triage_key_sees_contact_data_only_with_the_contact_scope(app: Flask, client: FlaskClient) -> None:
    report_id, _ = _redacted_report(app, client)
    path = f"/api/admin/reports/{report_id}"
    writer, with_contact = _key(app, "reports:write"), _key(app, "reports:write", "reports:contact")

    detail = client.get(path, headers=writer)
    assert detail.status_code == 200 and detail.json["contact"] is None
    listed = client.get("/api/admin/reports?limit=200&sort=newest", headers=writer)
    assert report_id in [r["id"] for r in listed.json["items"]]
    note = client.post(f"{path}/note", json={"body": "checked"},
                       headers={**writer, "If-Match": detail.headers["ETag"]})
    assert note.status_code == 200 and note.json["contact"] is None  # an action answers with the same detail
    for answer in (detail, listed, note, client.get(f"{path}/audit", headers=writer)):
        assert not any(p in answer.get_data(as_text=True) for p in PERSONAL)

    contact = client.get(path, headers=with_contact).json["contact"]
    assert contact == {"name": "Anna Nowak", "email": "anna.nowak@example.com", "phone": "+48 600 100 200"}
    reader_with_contact = client.get(path, headers=_key(app, "reports:read", "reports:contact")).json
    assert reader_with_contact["contact"] == contact
    trail = client.get(f"{path}/audit", headers=with_contact).json  # the contact scope opens no more of the audit
    moderation = next(e for e in trail if e["action"] == "report.moderate")
    assert moderation["before"] == {"hidden": False} and all(e["ip"] is None for e in trail)


def test_a_viewer_and_a_key_see_the_same_fields(app: Flask, client: FlaskClient) -> None:
    report_id, _ = _redacted_report(app, client)
    viewer_email, viewer = _staff(app, "viewer")
    web, _ = web_session(app, viewer_email)
    page = web.get(f"/admin/reports/{report_id}", base_url=HTTPS).get_data(as_text=True)
    assert 'class="audit"' in page and "[redacted]" in page and "600 100 200" not in page  # the web UI alike
    key = _key(app, "reports:read")
    path = f"/api/admin/reports/{report_id}"
    as_viewer, as_key = client.get(path, headers=viewer), client.get(path, headers=key)
    assert as_viewer.status_code == as_key.status_code == 200
    assert as_viewer.json == as_key.json and as_key.json["contact"] is None
    trails = [client.get(f"{path}/audit", headers=h) for h in (viewer, key)]
    assert trails[0].status_code == 200 and trails[0].json == trails[1].json
    assert trails[0].json[0]["before"] == {"hidden": False} and trails[0].json[0]["ip"] is None
    lists = [client.get("/api/admin/reports?limit=20&sort=newest", headers=h).json for h in (viewer, key)]
    assert lists[0]["items"] == lists[1]["items"] and report_id in [r["id"] for r in lists[0]["items"]]


def test_the_contact_scope_is_granted_only_with_a_reports_scope(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), pytest.raises(DomainError, match=re.escape("Read reports (no contact data)")):
        create_api_key(name="contact only", jurisdiction_code="1261011", scopes=["reports:contact"])
    base_args = ["create-api-key", "--name", "crm", "--jurisdiction", "1261011", "--scope"]
    refused = run_cli(app, *base_args, "reports:contact")
    assert refused.exit_code != 0 and "Triage reports (no contact data)" in refused.output
    granted = run_cli(app, *base_args, "reports:write", "--scope", "reports:contact")
    assert granted.exit_code == 0, granted.output
    secret = granted.output.strip().splitlines()[-1]
    report = Resident(client).report(contact={"email": "cli.granted@example.com"})
    seen = client.get(f"/api/admin/reports/{report['id']}", headers={"X-API-Key": secret}).json
    assert seen["contact"]["email"] == "cli.granted@example.com"


def test_the_key_list_names_each_scope_in_the_admins_language(app: Flask) -> None:
    email, _ = _staff(app, "admin", locale="pl")
    web, csrf = web_session(app, email)
    made = web.post("/admin/manage/keys", data={"name": "CRM", "scopes": ["reports:write", "reports:contact"],
                                                "csrf_token": csrf},
                    base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/manage"})
    assert made.status_code in (200, 302)
    page = web.get("/admin/manage", base_url=HTTPS).get_data(as_text=True)
    row = re.search(r"<tr[^>]*><td>CRM</td>.*?</tr>", page, re.S)
    assert row is not None
    assert "Dane kontaktowe zgłaszających" in row.group(0) and "Obsługa zgłoszeń" in row.group(0)
    assert 'value="reports:contact"> Dane kontaktowe zgłaszających' in page  # the form's checkbox
    alone = web.post("/admin/manage/keys", data={"name": "contact only", "scopes": ["reports:contact"],
                                                 "csrf_token": csrf},
                     base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/manage"})
    refusal = re.search(r'<p class="error"[^>]*>(.*?)</p>', alone.get_data(as_text=True), re.S)
    assert alone.status_code == 422 and refusal is not None
    assert refusal.group(1).strip() == (  # the scopes as the checkboxes name them, not their codes
        "Zakres „Dane kontaktowe zgłaszających” wymaga także jednego z tych: "
        "„Odczyt zgłoszeń (bez danych kontaktowych)”, „Obsługa zgłoszeń (bez danych kontaktowych)”."
    )
    assert "<td>contact only</td>" not in web.get("/admin/manage", base_url=HTTPS).get_data(as_text=True)
