"""Machine clients on the admin API: API keys with scopes, within their jurisdiction, audited."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from backend.staff import create_api_key
from tests.e2e.conftest import Resident


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
