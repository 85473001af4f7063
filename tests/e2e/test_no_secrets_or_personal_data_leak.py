"""Secrets never reach a log, and personal data never reaches a public answer.

Logs: gunicorn with its access log (the settings of gunicorn.conf.py, as in production) and everything its
workers print, while staff sign in, a machine key, a device and its push token are used and the signed links of
e-mails (unsubscribe, "is it fixed?") are opened; the log must hold none of the secrets.
Personal data: a report with the reporter's name, e-mail and phone and a device with a push token; every public
answer (resident API, Open311 in JSON and XML, open data, announcements) is scanned for them."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from backend import links as signed_links
from backend.db import unit_of_work
from backend.staff import create_api_key, create_staff
from tests.conftest import ROOT, push_settings
from tests.e2e.conftest import PASSWORD, TOTP_SECRET, sign_in_body
from tests.support.gunicorn import Gunicorn
from tests.support.services import PrivateRedis, WorkerProcesses
from tests.support.waiting import STARTUP_TIMEOUT, eventually


def get(server: Gunicorn, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(server.base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:  # noqa: S310 - a local test server
            return res.status, res.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def test_no_secret_reaches_the_logs(app: Flask, cities: dict, migrated: str, fake_fcm: Any, smtp: Any,
                                    tmp_path: Path) -> None:
    """gunicorn (access log on, as the Procfile runs it) and a Celery worker at INFO, as in production, on a
    broker of their own; the worker sends the push a status change causes."""
    log = tmp_path / "gunicorn.log"
    broker = PrivateRedis(tmp_path)
    broker.start()
    email = f"logs-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
        _, key = create_api_key(name="log test", jurisdiction_code="1261011", scopes=["reports:read"])
    env = {"DATABASE_URL": migrated, "REDIS_URL": broker.url, "RATELIMIT_ENABLED": "false",
           **push_settings(fake_fcm, smtp)}
    with Gunicorn(ROOT, env, workers=1, log=log) as server, \
            WorkerProcesses(ROOT, env, loglevel="INFO") as worker:
        status, _, body = server.request("POST", "/api/admin/tokens", sign_in_body(app, email))
        staff_token = body["token"]
        assert status == 201
        assert server.request("POST", "/api/admin/tokens", {"email": email, "password": PASSWORD + "x"})[0] == 401
        assert server.request("GET", "/api/admin/me", headers={"Authorization": f"Bearer {staff_token}"})[0] == 200
        assert server.request("GET", "/api/admin/reports", headers={"X-API-Key": key})[0] == 200
        push = f"push-{uuid.uuid4().hex}"
        status, _, device = server.request("POST", "/api/v1/devices", {"platform": "android", "locale": "pl",
                                                                       "push_token": push})
        assert status == 201
        bearer = {"Authorization": f"Bearer {device['token']}"}
        status, _, report = server.request("POST", "/api/v1/reports", {
            "service_code": "graffiti", "description": "Tag on the wall", "lat": 50.0617, "lon": 19.9373,
            "contact": {"name": "Log Test", "email": "logs@example.org"}}, bearer)
        assert status == 201
        assert server.request("GET", "/api/v1/me/reports", headers=bearer)[0] == 200
        with app.app_context(), unit_of_work() as s:
            links = [signed_links.issue(s, signed_links.UNSUBSCRIBE, {"resident_id": 1}, timedelta(days=1)),
                     signed_links.issue(s, signed_links.FEEDBACK, {"request_id": 1, "resident_id": 1},
                                        timedelta(days=1))]
        get(server, f"/api/v1/email/unsubscribe?token={links[0]}")
        get(server, f"/api/v1/feedback?token={links[1]}&fixed=true")
        get(server, "/api/v1/reports/" + report["public_id"] + "?token=" + staff_token)  # a token in the wrong place
        staff = {"Authorization": f"Bearer {staff_token}"}
        etag = server.request("GET", f"/api/admin/reports/{report['id']}", headers=staff)[1]["ETag"]
        changed = server.request("POST", f"/api/admin/reports/{report['id']}/status", {"status": "acknowledged"},
                                 {**staff, "If-Match": etag})
        assert changed[0] == 200
        eventually(lambda: any(r.token == push for r in fake_fcm.accepted()), timeout=STARTUP_TIMEOUT, interval=0.2,
                   what="the worker (started with the test) to send the push")
        assert any(r.token == push for r in fake_fcm.accepted())  # the worker did send the push
        worker_log = worker.log_text()
    broker.stop()
    text = log.read_text() + worker_log
    assert "hromada.outbox.dispatch" in worker_log  # the worker's INFO lines are in it
    assert '"POST /api/admin/tokens HTTP/1.1" 201' in text and "/api/v1/feedback" in text  # the log is there
    for secret in (PASSWORD, staff_token, key, device["token"], push, *links):
        assert secret not in text, secret[:12]


def test_no_personal_data_in_any_public_answer(app: Flask, cities: dict, client: Any) -> None:
    marker = uuid.uuid4().hex[:8]
    name, email = f"Zofia Prywatna {marker}", f"zofia.{marker}@example.org"
    phone = f"+48 601 {uuid.uuid4().int % 900 + 100} 123"
    push = f"push-{marker}-secret"
    device = client.post("/api/v1/devices", json={"platform": "android", "locale": "pl", "push_token": push}).json
    me = {"Authorization": f"Bearer {device['token']}"}
    made = client.post("/api/v1/reports", headers=me, json={
        "service_code": "bench", "description": "Broken bench by the fountain", "lat": 50.0618, "lon": 19.9374,
        "contact": {"name": name, "email": email, "phone": phone}})
    assert made.status_code == 201
    ref, rid = made.json["public_id"], made.json["id"]
    second = client.post("/api/v1/devices", json={"platform": "ios", "locale": "en"}).json
    other = {"Authorization": f"Bearer {second['token']}"}
    client.post(f"/api/v1/reports/{ref}/supports", headers=other)
    with app.app_context():
        _, open311 = create_api_key(name="scan", jurisdiction_code="1261011", scopes=["open311:read"])
    answers = {}
    public = [
        ("/api/v1/reports?bbox=19.93,50.06,19.94,50.065&zoom=17", other),
        ("/api/v1/reports?bbox=19.80,49.98,20.20,50.12&zoom=12", other),
        (f"/api/v1/reports/{ref}", other),
        (f"/api/v1/reports/{rid}", other),
        ("/api/v1/services?lat=50.0617&lon=19.9373", other),
        ("/api/v1/announcements?lat=50.0617&lon=19.9373", other),
        ("/api/v1/open-data/indicators?jurisdiction=krakow", {}),
        ("/api/v1/open-data/indicator-values?jurisdiction=krakow&format=csv", {}),
        ("/open311/v2/discovery.json", {}),
        ("/open311/v2/services.json?jurisdiction_id=1261011", {}),
        ("/open311/v2/requests.json?jurisdiction_id=1261011", {}),
        ("/open311/v2/requests.xml?jurisdiction_id=1261011", {}),
        (f"/open311/v2/requests/{ref}.json?jurisdiction_id=1261011", {}),
        (f"/open311/v2/requests/{ref}.xml?jurisdiction_id=1261011", {}),
        (f"/open311/v2/requests.json?jurisdiction_id=1261011&api_key={open311}", {}),
    ]
    for path, headers in public:
        got = client.get(path, headers=headers)
        assert got.status_code == 200, (path, got.status_code)
        answers[path] = got.get_data(as_text=True)
    assert ref in answers[f"/api/v1/reports/{ref}"]
    assert ref in answers["/open311/v2/requests.json?jurisdiction_id=1261011"]
    for path, body in answers.items():
        for secret in (name, email, phone, marker + "@", push, device["token"], "Zofia"):
            assert secret not in body, (path, secret)
        assert '"device_id"' not in body and "device_id=" not in body, path
    mine = client.get("/api/v1/me/reports", headers=me).get_data(as_text=True)
    assert ref in mine  # the reporter's own view names the report (and is not public)
    detail = json.loads(answers[f"/api/v1/reports/{ref}"])
    assert "contact" not in detail and "reporter" not in json.dumps(detail)
