"""Notifications that arrive: a staff change reaches the reporter and supporters by push (real firebase-admin
against the fake FCM server) and by e-mail (a real SMTP server), through a real Celery worker and Redis."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend import outbox
from backend.i18n import gettext
from backend.models import Delivery, Device, Notification, PushAlarm
from backend.staff import create_api_key, create_staff
from push import broadcasts, delivery
from push.render import STATUS_TEXT
from tests.e2e.conftest import Resident
from tests.e2e.test_triage import Desk
from tests.support.waiting import eventually

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, str]:
    client = app.test_client()
    email = f"push-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    token = client.post("/api/admin/tokens", json={"email": email, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def device(client: FlaskClient, locale: str, push_token: str | None) -> Resident:
    r = Resident(client, locale)
    if push_token is not None:
        assert r.client.patch("/api/v1/devices/me", json={"push_token": push_token},
                              headers=r.headers).status_code == 200
    return r


def settle(app: Flask, done: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the sweepers (what beat does every few seconds) until `done()` or the timeout. `.run` calls the
    task functions in this app's context (calling the task itself would pick the newest Celery app)."""

    def done_or_sweep() -> bool:
        if done():
            return True
        with app.app_context():
            outbox.sweep.run()
            delivery.sweep.run()
            broadcasts.sweep.run()
        return False

    eventually(done_or_sweep, timeout=timeout, interval=0.3, what="deliveries to settle")
    assert done(), "deliveries did not settle in time"


def deliveries(app: Flask, report_id: int) -> list[Delivery]:
    from backend.db import session

    with app.app_context():
        s = session()
        rows = list(s.scalars(select(Delivery).join(Notification, Notification.id == Delivery.notification_id)
                              .where(Notification.report_id == report_id)))
        s.expunge_all()
        s.rollback()
        return rows


def all_settled(app: Flask, report_id: int, expected: int) -> bool:
    """Exactly `expected` deliveries exist for the report and none is waiting (one read, no race)."""
    rows = deliveries(app, report_id)
    return len(rows) == expected and all(d.status not in ("pending", "sending") for d in rows)


def test_a_status_change_reaches_reporter_and_supporters_in_their_languages(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, fake_fcm: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    reporter = device(client, "pl", f"ok-{tag}-pl")
    made = reporter.report()
    fans = {"uk": device(client, "uk", f"ok-{tag}-uk"), "en": device(client, "en", f"ok-{tag}-en")}
    quiet = device(client, "en", f"ok-{tag}-quiet")
    no_push = device(client, "uk", None)
    for r in (*fans.values(), quiet, no_push):
        assert r.post(f"/api/v1/reports/{made['public_id']}/supports").status_code in (200, 201)
    assert quiet.client.put("/api/v1/me/notification-preferences", json={"topics": {"my_reports": False}},
                            headers=quiet.headers).json["topics"]["my_reports"] is False

    assert Desk(client, staff, made["id"]).act("status", {"status": "acknowledged"}).status_code == 200
    settle(app, lambda: all_settled(app, made["id"], 3))

    got = {r.token: r for r in fake_fcm.accepted() if tag in r.token}
    assert set(got) == {f"ok-{tag}-pl", f"ok-{tag}-uk", f"ok-{tag}-en"}  # not the one that turned it off
    for lang in ("pl", "uk", "en"):
        push = got[f"ok-{tag}-{lang}"]
        assert push.body == gettext(STATUS_TEXT["acknowledged"], lang)
        assert made["public_id"] in (push.title or "")
        assert push.data["report_id"] == str(made["id"]) and push.data["public_id"] == made["public_id"]
        assert push.collapse_key == push.apns_collapse_id == f"hromada-n{push.data['notification_id']}"
    assert gettext(STATUS_TEXT["acknowledged"], "pl") != gettext(STATUS_TEXT["acknowledged"], "en")

    # The inbox holds it too, also for the device without a push token.
    box = no_push.get("/api/v1/me/notifications").json
    assert box["unread"] == 1 and box["items"][0]["body"] == gettext(STATUS_TEXT["acknowledged"], "uk")
    assert quiet.get("/api/v1/me/notifications").json["items"] == []
    item = reporter.get("/api/v1/me/notifications").json["items"][0]
    assert item["data"]["public_id"] == made["public_id"] and item["read"] is False
    assert reporter.post(f"/api/v1/me/notifications/{item['id']}/read").json == {"marked": 1, "unread": 0}
    assert fans["uk"].post(f"/api/v1/me/notifications/{item['id']}/read").status_code == 404  # not theirs

    # A public reply is the next one, newest first.
    Desk(client, staff, made["id"]).act("reply", {"body": "Ekipa będzie w czwartek."})
    settle(app, lambda: all_settled(app, made["id"], 6))
    first = reporter.get("/api/v1/me/notifications").json["items"][0]
    assert first["kind"] == "report.replied" and "Ekipa będzie w czwartek." in first["body"]


def test_preferences_list_every_topic_and_refuse_unknown_ones(client: FlaskClient) -> None:
    me = device(client, "en", None)
    topics = me.get("/api/v1/me/notification-preferences").json["topics"]
    assert topics == {"my_reports": True, "emergency": True, "weather": False, "waste": False, "transport": False,
                      "events": False, "surveys": False, "city_news": False}
    res = me.client.put("/api/v1/me/notification-preferences", json={"topics": {"waste": True, "emergency": False}},
                        headers=me.headers)
    assert res.json["topics"]["waste"] is True and res.json["topics"]["emergency"] is False
    assert res.json["topics"]["my_reports"] is True
    bad = me.client.put("/api/v1/me/notification-preferences", json={"topics": {"horoscope": True}},
                        headers=me.headers)
    assert bad.status_code == 422 and "topics" in str(bad.json)
    assert client.get("/api/v1/me/notifications").status_code == 401


def test_a_reporter_without_the_app_gets_an_e_mail_and_can_unsubscribe(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    with app.app_context():
        key = create_api_key(name="push-311", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    address = f"olga-{uuid.uuid4().hex[:8]}@example.com"
    res = client.post("/open311/v2/requests.json", data={
        "jurisdiction_id": "1261011", "api_key": key, "service_code": "graffiti", "lat": "50.0612",
        "long": "19.9380", "description": "Dziura na Floriańskiej", "email": address, "first_name": "Olga"})
    assert res.status_code in (200, 201), res.json
    sr = res.json[0]["service_request_id"]
    with app.app_context():
        from backend.db import session
        from backend.models import Report

        report = session().scalars(select(Report).where(Report.public_id == sr)).one()
        rid, lang = report.id, report.locale
        session().rollback()

    def mails() -> list[Any]:
        return [m for m in smtp.messages if m["To"] == address]

    Desk(client, staff, rid).act("status", {"status": "in_progress"})
    settle(app, lambda: all_settled(app, rid, 1) and len(mails()) == 1)
    mail = mails()[0]
    assert sr in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    expected = gettext(STATUS_TEXT["in_progress"], lang)
    assert expected in text and expected in html
    assert f"https://hromada.krakow.example/reports/{sr}" in text  # the report's page on this site
    unsubscribe = str(mail["List-Unsubscribe"]).strip().strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe.replace("https://hromada.krakow.example", "")
    assert client.get(path).status_code == 200  # the page: nothing changes on a GET
    assert client.post(path.replace("token=", "token=x")).status_code == 404
    assert client.post(path, data="List-Unsubscribe=One-Click").status_code == 200

    Desk(client, staff, rid).act("reply", {"body": "Naprawimy."})
    with app.app_context():  # the reply's event is handled (by the worker) before we look
        from backend.db import session
        from backend.models import OutboxEvent

        def handled() -> bool:
            pending = session().scalars(select(OutboxEvent.id).where(
                OutboxEvent.status == "pending", OutboxEvent.payload["report_id"].as_integer() == rid)).all()
            session().rollback()
            return not pending

        settle(app, handled)
    assert len(mails()) == 1  # unsubscribed: no second e-mail
    assert [d.status for d in deliveries(app, rid) if d.channel == "email"] == ["sent"]  # none written after


def test_every_fcm_outcome_leads_to_its_action(app: Flask, client: FlaskClient, staff: dict, worker: Any,
                                               fake_fcm: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    kinds = ["ok", "unregistered", "mismatch", "badtoken", "badmsg", "apnsauth", "quota", "unavailable", "internal",
             "deadline"]
    made = device(client, "en", None).report()
    fans = {k: device(client, "en", f"{k}-{tag}") for k in kinds}
    for r in fans.values():
        r.post(f"/api/v1/reports/{made['public_id']}/supports")
    Desk(client, staff, made["id"]).act("status", {"status": "acknowledged"})

    def settled() -> bool:
        rows = {d.device_id: d for d in deliveries(app, made["id"])}
        return len(rows) == len(kinds) and all(
            d.status not in ("pending", "sending") for dev, d in rows.items() if dev != fans["apnsauth"].device_id)

    settle(app, settled)
    by_kind = {k: next(d for d in deliveries(app, made["id"]) if d.device_id == fans[k].device_id) for k in kinds}
    with app.app_context():
        from backend.db import session

        devices = {d.id: d for d in session().scalars(select(Device).where(
            Device.id.in_([r.device_id for r in fans.values()])))}
        alarm = session().get(PushAlarm, "fcm.auth")
        session().expunge_all()
        session().rollback()
    for k in ("unregistered", "mismatch", "badtoken"):  # the token is dead: removed, never retried
        assert by_kind[k].status == "pruned", k
        assert devices[fans[k].device_id].push_token is None and devices[fans[k].device_id].push_token_pruned_at
    assert by_kind["badmsg"].status == "failed" and "InvalidArgumentError" in by_kind["badmsg"].error
    assert devices[fans["badmsg"].device_id].push_token == f"badmsg-{tag}"  # not the token's fault: kept
    for k in ("ok", "quota", "unavailable", "internal", "deadline"):  # transient: retried, delivered once
        assert by_kind[k].status == "sent", (k, by_kind[k].error)
        assert [r.token for r in fake_fcm.accepted()].count(f"{k}-{tag}") == 1
    for k in ("quota", "unavailable", "internal", "deadline"):
        assert by_kind[k].attempts == 2, k
    # Third-party auth: the token is kept, the delivery waits for the operator, the alarm was raised.
    apns = by_kind["apnsauth"]
    assert apns.status in ("pending", "sending") and "ThirdPartyAuthError" in (apns.error or "")
    assert devices[fans["apnsauth"].device_id].push_token == f"apnsauth-{tag}"
    assert alarm is not None and alarm.count >= 1


def test_a_429_and_503_storm_ends_in_delivery_of_all_without_duplicates(app: Flask, client: FlaskClient, staff: dict,
                                                                 worker: Any, fake_fcm: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    made = device(client, "pl", None).report()
    for i in range(120):
        device(client, "pl", f"ok-{tag}-{i}").post(f"/api/v1/reports/{made['public_id']}/supports")
    fake_fcm.storm(200, ("quota", "unavailable"))  # the first attempt and part of the second: 429s and 503s
    Desk(client, staff, made["id"]).act("status", {"status": "in_progress"})
    settle(app, lambda: all_settled(app, made["id"], 120), timeout=120)
    accepted = Counter(r.token for r in fake_fcm.accepted() if tag in r.token)
    assert len(accepted) == 120 and set(accepted.values()) == {1}
    assert all(d.status == "sent" for d in deliveries(app, made["id"]))
    assert max(d.attempts for d in deliveries(app, made["id"])) >= 2


def test_my_inbox_is_in_my_export_and_gone_when_i_erase_my_data(app: Flask, client: FlaskClient, staff: dict,
                                                                 worker: Any) -> None:
    me = device(client, "uk", None)
    made = me.report()
    Desk(client, staff, made["id"]).act("status", {"status": "acknowledged"})
    settle(app, lambda: me.get("/api/v1/me/notifications").json["items"] != [])
    export = me.get("/api/v1/me/export").json
    assert export["notification_topics"] == ["my_reports", "emergency"]
    assert [n["body"] for n in export["notifications"]] == [gettext(STATUS_TEXT["acknowledged"], "uk")]
    assert me.delete("/api/v1/me").status_code == 204
    with app.app_context():
        from backend.db import session

        left = session().scalars(select(Notification).where(Notification.device_id == me.device_id)).all()
        session().rollback()
    assert left == []


def test_metrics_show_requests_outbox_deliveries_and_pruned_tokens(app: Flask, client: FlaskClient, staff: dict,
                                                                   worker: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    made = device(client, "pl", f"ok-{tag}").report()
    device(client, "pl", f"unregistered-{tag}").post(f"/api/v1/reports/{made['public_id']}/supports")
    Desk(client, staff, made["id"]).act("status", {"status": "acknowledged"})
    settle(app, lambda: all_settled(app, made["id"], 2))
    client.get("/api/v1/services?jurisdiction=1261011")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hromada_http_requests_total{method="GET",route="/api/v1/services",status="200"}' in text
    for name in ("hromada_outbox_pending ", "hromada_outbox_lag_seconds ",
                 'hromada_deliveries{channel="push",status="sent"}',
                 'hromada_deliveries{channel="push",status="pruned"}'):
        assert name in text, name
    pruned = next(line for line in text.splitlines() if line.startswith("hromada_push_tokens_pruned "))
    assert float(pruned.split()[1]) >= 1
    secured = make_app_with(app, METRICS_TOKEN="s3cret").test_client()
    assert secured.get("/metrics").status_code == 401
    assert secured.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def make_app_with(app: Flask, **overrides: str) -> Flask:
    from tests.conftest import make_app

    settings = app.config["HROMADA_SETTINGS"]
    return make_app(settings.DATABASE_URL, settings.REDIS_URL, **overrides)


def test_after_a_fix_the_reporter_is_asked_and_not_fixed_reopens_the_report(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, fake_fcm: Any) -> None:
    from sqlalchemy import update

    from backend.db import unit_of_work
    from backend.models import AuditEntry, FeedbackRequest
    from backend.reporting import feedback_requests as feedback
    from push.render import FEEDBACK, REOPENED

    tag = uuid.uuid4().hex[:8]
    reporter = device(client, "pl", f"ok-{tag}-rep")
    made = reporter.report()
    fan = device(client, "uk", f"ok-{tag}-fan")
    fan.post(f"/api/v1/reports/{made['public_id']}/supports")
    assert Desk(client, staff, made["id"]).act("status", {"status": "resolved"}).status_code == 200
    assert reporter.get(f"/api/v1/reports/{made['public_id']}/feedback").json["asked"] is False
    assert reporter.post(f"/api/v1/reports/{made['public_id']}/feedback", {"fixed": True}).status_code == 409
    with app.app_context():
        assert feedback.send_due() == 0  # the delay (48 h by default) has not passed
        with unit_of_work() as s:  # …now it has
            s.execute(update(FeedbackRequest).where(FeedbackRequest.report_id == made["id"])
                      .values(due_at=utcnow_minus(1)))
        assert feedback.send_due() == 1

    def asked(token: str) -> list[Any]:
        return [r for r in fake_fcm.accepted()
                if r.token == token and r.data.get("type") == "report.feedback_requested"]

    settle(app, lambda: asked(f"ok-{tag}-rep") != [] and asked(f"ok-{tag}-fan") != [])
    assert asked(f"ok-{tag}-rep")[0].body == gettext(FEEDBACK, "pl")
    assert asked(f"ok-{tag}-fan")[0].body == gettext(FEEDBACK, "uk")
    assert reporter.get(f"/api/v1/reports/{made['public_id']}/feedback").json == {
        "asked": True, "answered": False, "resolved_at": reporter.get(
            f"/api/v1/reports/{made['public_id']}/feedback").json["resolved_at"]}
    happy = fan.post(f"/api/v1/reports/{made['public_id']}/feedback", {"fixed": True, "satisfaction": 5})
    assert happy.status_code == 201 and happy.json["reopened"] is False
    res = reporter.post(f"/api/v1/reports/{made['public_id']}/feedback",
                        {"fixed": False, "satisfaction": 2, "comment": "Dziura nadal jest."})
    assert res.status_code == 201 and res.json["reopened"] is True and res.json["status"] == "in_progress"
    assert reporter.post(f"/api/v1/reports/{made['public_id']}/feedback", {"fixed": True}).status_code == 409
    assert device(client, "pl", None).post(f"/api/v1/reports/{made['public_id']}/feedback",
                                           {"fixed": True}).status_code == 404  # not theirs
    with app.app_context():
        from backend.db import session

        why = session().scalars(select(AuditEntry).where(AuditEntry.target_type == "report",
                                                         AuditEntry.target_id == made["id"],
                                                         AuditEntry.action == "report.reopened_by_resident")).one()
        assert why.after["comment"] == "Dziura nadal jest." and why.after["satisfaction"] == 2
        session().rollback()
    # The reporter is told the report is open again.
    settle(app, lambda: [r for r in fake_fcm.accepted() if r.token == f"ok-{tag}-rep"
                         and r.body == gettext(REOPENED, "pl")] != [])


def utcnow_minus(minutes: int) -> Any:
    from datetime import timedelta

    from backend.models import utcnow

    return utcnow() - timedelta(minutes=minutes)


def test_a_reporter_by_e_mail_answers_is_it_fixed_from_the_e_mail_link(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    import re

    from sqlalchemy import update

    from backend.db import unit_of_work
    from backend.models import FeedbackRequest, Report
    from backend.reporting import feedback_requests as feedback

    with app.app_context():
        key = create_api_key(name="push-fb", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    address = f"jan-{uuid.uuid4().hex[:8]}@example.com"
    res = client.post("/open311/v2/requests.json", data={
        "jurisdiction_id": "1261011", "api_key": key, "service_code": "graffiti", "lat": "50.0612",
        "long": "19.9380", "description": "Graffiti na murze", "email": address})
    sr = res.json[0]["service_request_id"]
    with app.app_context():
        from backend.db import session

        rid = session().scalars(select(Report.id).where(Report.public_id == sr)).one()
        session().rollback()
    assert Desk(client, staff, rid).act("status", {"status": "resolved"}).status_code == 200
    with app.app_context():
        with unit_of_work() as s:
            s.execute(update(FeedbackRequest).where(FeedbackRequest.report_id == rid).values(due_at=utcnow_minus(1)))
        assert feedback.send_due() == 1

    def asking() -> list[Any]:
        return [m for m in smtp.messages if m["To"] == address and "feedback?token=" in m.get_body(
            ("plain",)).get_content()]

    settle(app, lambda: asking() != [])
    text = asking()[0].get_body(("plain",)).get_content()
    links = re.findall(r"https://hromada\.krakow\.example(/api/v1/feedback\?token=\S+)", text)
    assert len(links) == 2 and links[0].endswith("fixed=true") and links[1].endswith("fixed=false")
    page = client.get(links[1])
    assert page.status_code == 200 and 'value="false" checked' in page.get_data(as_text=True)
    token = links[1].split("token=")[1].split("&")[0]
    done = client.post("/api/v1/feedback", data={"token": token, "fixed": "false", "satisfaction": "1",
                                                 "comment": "Nadal jest"})
    assert done.status_code == 200
    assert client.get(f"/open311/v2/requests/{sr}.json?jurisdiction_id=1261011").json[0]["status"] == "open"
    assert client.post("/api/v1/feedback", data={"token": token, "fixed": "true"}).status_code == 409  # once
    assert client.post("/api/v1/feedback", data={"token": token + "x", "fixed": "true"}).status_code == 404
