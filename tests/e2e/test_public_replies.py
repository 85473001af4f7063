"""What residents are told when staff act on a report: a status change (with a public comment, a rejection reason
or both), a merge into another report, a re-categorisation and a corrected location each give one public timeline
entry in the reader's language, the same words in Open311's status notes, and one notification per device of the
reporter and the supporters (by push through the fake FCM server, by e-mail through the SMTP sink), through a real
Celery worker."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.i18n import gettext
from backend.report_words import MERGED_INTO, MOVED_TO, RECATEGORISED_TO
from backend.staff import create_api_key, create_staff
from backend.vocabulary import label
from push.render import REOPENED, STATUS_TEXT
from tests.conftest import ROOT
from tests.e2e.conftest import HTTPS, Resident, api_headers, web_session
from tests.e2e.test_notifications import all_settled, deliveries, device, settle
from tests.e2e.test_triage import Desk
from tests.integration.test_load_city import run_cli

PASSWORD = "correct horse battery staple"
OPEN311 = "/open311/v2"
WAWRZYNCA_7 = {"lat": 50.0491, "lon": 19.9459}  # an address point of tests/fixtures/addresses_test.csv


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, str]:
    email = f"words-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    token = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def timeline(reader: Resident, report_id: int) -> list[dict[str, Any]]:
    return list(reader.get(f"/api/v1/reports/{report_id}").json["timeline"])


def open311(client: FlaskClient, public_id: str, locale: str) -> dict[str, Any]:
    res = client.get(
        f"{OPEN311}/requests/{public_id}.json",
        query_string={"jurisdiction_id": "1261011", "extensions": "true", "locale": locale},
    )
    assert res.status_code == 200, res.get_data(as_text=True)
    return dict(res.json[0])


def pushes(fake_fcm: Any, tag: str) -> list[Any]:
    return [r for r in fake_fcm.accepted() if tag in r.token]


def followed(client: FlaskClient, tag: str) -> tuple[Resident, dict[str, Any], Resident]:
    """A Polish reporter's new report and a Ukrainian supporter, both with push tokens."""
    reporter = device(client, "pl", f"ok-{tag}-pl")
    made = reporter.report()
    fan = device(client, "uk", f"ok-{tag}-uk")
    assert fan.post(f"/api/v1/reports/{made['public_id']}/supports").status_code == 200
    return reporter, made, fan


def test_a_status_comment_is_one_entry_one_push_each_and_the_open311_status_notes(
    app: Flask, client: FlaskClient, staff: dict, worker: Any, fake_fcm: Any
) -> None:
    tag = uuid.uuid4().hex[:8]
    reporter, made, fan = followed(client, tag)
    desk = Desk(client, staff, made["id"])
    comment = "Ekipa przyjedzie w czwartek."
    seen = len(timeline(reporter, made["id"]))

    assert desk.act("status", {"status": "in_progress", "body": comment}).status_code == 200
    settle(app, lambda: all_settled(app, made["id"], 2))
    new = timeline(reporter, made["id"])[seen:]
    assert [(e["kind"], e["to_status"], e["body"]) for e in new] == [("status", "in_progress", comment)]
    assert timeline(fan, made["id"])[seen:] == new  # the comment as staff wrote it, for readers of any language
    got = pushes(fake_fcm, tag)
    assert Counter(r.token for r in got) == {f"ok-{tag}-pl": 1, f"ok-{tag}-uk": 1}  # one, not a status and a reply
    for r in got:
        lang = r.token.rsplit("-", 1)[1]
        assert r.body == f"{gettext(STATUS_TEXT['in_progress'], lang)} {comment}"
    request = open311(client, made["public_id"], "en")
    assert request["status_notes"] == comment
    assert request["extended_attributes"]["status_notes_history"][-1] | {"datetime": None} == {
        "datetime": None,
        "status": "in_progress",
        "notes": comment,
    }

    # A public reply is its own entry and notification; an internal note is neither.
    desk.act("reply", {"body": "Jutro od 8:00."})
    desk.act("note", {"body": "crew 7, call Jan first"})
    settle(app, lambda: all_settled(app, made["id"], 4))
    assert [(e["kind"], e["body"]) for e in timeline(reporter, made["id"])[seen + 1 :]] == [("reply", "Jutro od 8:00.")]
    assert open311(client, made["public_id"], "pl")["status_notes"] == "Jutro od 8:00."
    assert "crew 7" not in str(open311(client, made["public_id"], "pl"))

    # A status change without words: one entry without text, and no stale explanation in Open311.
    assert desk.act("status", {"status": "resolved"}).status_code == 200
    settle(app, lambda: all_settled(app, made["id"], 6))
    last = timeline(fan, made["id"])[-1]
    assert (last["kind"], last["to_status"], last["body"]) == ("status", "resolved", None)
    assert open311(client, made["public_id"], "uk")["status_notes"] is None
    assert Counter(r.token for r in pushes(fake_fcm, tag)) == {f"ok-{tag}-pl": 3, f"ok-{tag}-uk": 3}


def test_a_rejection_reason_is_told_in_words_of_the_readers_language_with_the_comment(
    app: Flask, client: FlaskClient, staff: dict, worker: Any, fake_fcm: Any
) -> None:
    tag = uuid.uuid4().hex[:8]
    reporter, made, fan = followed(client, tag)
    desk = Desk(client, staff, made["id"])
    comment = "Droga należy do województwa."
    reason = "not_our_responsibility"
    assert desk.act("status", {"status": "rejected", "reason": reason, "body": comment}).status_code == 200
    settle(app, lambda: all_settled(app, made["id"], 2))

    for reader, lang in ((reporter, "pl"), (fan, "uk")):
        entry = timeline(reader, made["id"])[-1]
        assert (entry["kind"], entry["to_status"]) == ("status", "rejected")
        assert label(reason, lang, "reject_reason") in entry["body"] and comment in entry["body"]
        assert reason not in entry["body"]
    assert label(reason, "pl", "reject_reason") != label(reason, "uk", "reject_reason")
    got = pushes(fake_fcm, tag)
    assert Counter(r.token for r in got) == {f"ok-{tag}-pl": 1, f"ok-{tag}-uk": 1}
    for r in got:
        lang = r.token.rsplit("-", 1)[1]
        assert r.body.startswith(gettext(STATUS_TEXT["rejected"], lang))
        assert label(reason, lang, "reject_reason") in r.body and comment in r.body
    for lang in ("en", "uk"):
        notes = open311(client, made["public_id"], lang)["status_notes"]
        assert label(reason, lang, "reject_reason") in notes and comment in notes and reason not in notes
    anonymous = client.get(f"/api/v1/reports/{made['id']}", headers={"Accept-Language": "en"}).json["timeline"][-1]
    assert anonymous["body"].startswith(gettext("Reason: {reason}.", "en", reason=label(reason, "en")))

    # Reopened with a comment: the reopening and the comment, once each.
    assert desk.act("status", {"status": "in_progress", "body": "Jednak naprawimy."}).status_code == 200
    settle(app, lambda: all_settled(app, made["id"], 4))
    reopened = [r for r in pushes(fake_fcm, tag) if gettext(REOPENED, r.token.rsplit("-", 1)[1]) in (r.body or "")]
    assert Counter(r.token for r in reopened) == {f"ok-{tag}-pl": 1, f"ok-{tag}-uk": 1}
    assert all(r.body.endswith("Jednak naprawimy.") for r in reopened)
    assert timeline(fan, made["id"])[-1]["body"] == "Jednak naprawimy."


def test_a_merge_is_one_entry_on_the_duplicate_naming_the_master_and_one_notification(
    app: Flask, client: FlaskClient, staff: dict, worker: Any, fake_fcm: Any
) -> None:
    tag = uuid.uuid4().hex[:8]
    reporter, made, fan = followed(client, tag)
    master = Resident(client).report()
    seen = len(timeline(reporter, made["id"]))

    assert Desk(client, staff, made["id"]).act("merge", {"master_id": master["id"]}).status_code == 200
    settle(app, lambda: all_settled(app, made["id"], 2))
    for reader, lang in ((reporter, "pl"), (fan, "uk")):
        new = timeline(reader, made["id"])[seen:]
        words = gettext(MERGED_INTO, lang, report=master["public_id"])
        assert [(e["kind"], e["to_status"], e["body"]) for e in new] == [("status", "duplicate", words)]
    assert len({gettext(MERGED_INTO, lang, report="X") for lang in ("pl", "uk", "en")}) == 3  # each its own words
    got = pushes(fake_fcm, tag)
    assert Counter(r.token for r in got) == {f"ok-{tag}-pl": 1, f"ok-{tag}-uk": 1}
    assert all(master["public_id"] in r.body for r in got)
    request = open311(client, made["public_id"], "en")
    assert request["status_notes"] == f"Merged into report {master['public_id']}."
    assert request["extended_attributes"]["duplicate_of"] == master["public_id"]
    assert request["extended_attributes"]["status_notes_history"][-1] | {"datetime": None} == {
        "datetime": None,
        "status": "duplicate",
        "notes": request["status_notes"],
    }
    assert len(request["extended_attributes"]["status_notes_history"]) == seen + 1
    assert open311(client, made["public_id"], "uk")["status_notes"] == gettext(
        MERGED_INTO, "uk", report=master["public_id"]
    )
    assert len(timeline(Resident(client), master["id"])) == 1  # the master's own timeline: only its filing


def test_a_rejection_without_a_comment_still_says_why(app: Flask, client: FlaskClient, staff: dict) -> None:
    made = Resident(client, "uk").report()
    assert Desk(client, staff, made["id"]).act("status", {"status": "rejected", "reason": "invalid"}).status_code == 200
    entry = client.get(f"/api/v1/reports/{made['id']}", headers={"Accept-Language": "uk"}).json["timeline"][-1]
    assert entry["body"] == gettext("Reason: {reason}.", "uk", reason=label("invalid", "uk", "reject_reason"))


def test_an_open311_reporter_gets_one_e_mail_with_the_reason_and_comment_in_their_language(
    app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any
) -> None:
    with app.app_context():
        key = create_api_key(name="words-311", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    address = f"ola-{uuid.uuid4().hex[:8]}@example.com"
    res = client.post(
        f"{OPEN311}/requests.json",
        data={
            "jurisdiction_id": "1261011",
            "api_key": key,
            "service_code": "graffiti",
            "lat": "50.0612",
            "long": "19.9380",
            "description": "Napis na murze",
            "email": address,
        },
    )
    assert res.status_code == 201, res.get_data(as_text=True)
    sr = res.json[0]["service_request_id"]
    with app.app_context():
        from backend.db import session
        from backend.models import Report

        rid, lang = session().execute(select(Report.id, Report.locale).where(Report.public_id == sr)).one()
        session().rollback()
    desk = Desk(client, staff, rid)
    comment = "To prywatny mur."
    assert (
        desk.act("status", {"status": "rejected", "reason": "not_our_responsibility", "body": comment}).status_code
        == 200
    )
    settle(app, lambda: all_settled(app, rid, 1) and any(m["To"] == address for m in smtp.messages))
    mails = [m for m in smtp.messages if m["To"] == address]
    assert len(mails) == 1 and [d.channel for d in deliveries(app, rid)] == ["email"]
    text = mails[0].get_body(("plain",)).get_content()
    assert comment in text and label("not_our_responsibility", lang, "reject_reason") in text


def test_recategorising_tells_the_reporter_and_supporters_the_new_category(
    app: Flask, client: FlaskClient, staff: dict, worker: Any, fake_fcm: Any
) -> None:
    tag = uuid.uuid4().hex[:8]
    reporter, made, fan = followed(client, tag)
    quiet = device(client, "en", f"ok-{tag}-quiet")
    quiet.post(f"/api/v1/reports/{made['public_id']}/supports")
    assert (
        quiet.client.put(
            "/api/v1/me/notification-preferences", json={"topics": {"my_reports": False}}, headers=quiet.headers
        ).status_code
        == 200
    )
    desk = Desk(client, staff, made["id"])
    seen = len(timeline(reporter, made["id"]))
    names = {"pl": "Wyciek wody", "uk": "Витік води", "en": "Water leak"}

    assert desk.act("recategorise", {"service_code": "water_leak"}).status_code == 200
    settle(app, lambda: all_settled(app, made["id"], 2))
    for reader, lang in ((reporter, "pl"), (fan, "uk"), (quiet, "en")):
        new = timeline(reader, made["id"])[seen:]
        assert [(e["kind"], e["body"]) for e in new] == [
            ("recategorised", gettext(RECATEGORISED_TO, lang, service=names[lang]))
        ]
    got = pushes(fake_fcm, tag)
    assert Counter(r.token for r in got) == {f"ok-{tag}-pl": 1, f"ok-{tag}-uk": 1}  # not the one that turned it off
    for r in got:
        lang = r.token.rsplit("-", 1)[1]
        assert r.body == gettext(RECATEGORISED_TO, lang, service=names[lang])
        assert names[lang] in (r.title or "")
    history = open311(client, made["public_id"], "en")["extended_attributes"]["status_notes_history"]
    assert history[-1]["notes"] == "Moved to the category Water leak."

    # The same category again changes nothing anyone is told about.
    assert desk.act("recategorise", {"service_code": "water_leak"}).status_code == 200
    assert len(timeline(reporter, made["id"])) == seen + 1
    assert _recategorisations_told(app, made["id"]) == 1


def _recategorisations_told(app: Flask, report_id: int) -> int:
    from backend.db import session
    from backend.models import OutboxEvent

    with app.app_context():
        ids = (
            session()
            .scalars(
                select(OutboxEvent.id).where(
                    OutboxEvent.event_type == "report.recategorised",
                    OutboxEvent.payload["report_id"].as_integer() == report_id,
                )
            )
            .all()
        )
        session().rollback()
    return len(ids)


@pytest.fixture
def register(app: Flask, cities: dict) -> Iterator[None]:
    """The test address register (four addresses in Kraków), removed afterwards."""
    from backend.db import unit_of_work
    from backend.models import Address

    assert run_cli(app, "load-addresses", "1261011", str(ROOT / "tests/fixtures/addresses_test.csv")).exit_code == 0
    yield
    with app.app_context(), unit_of_work() as s:
        s.execute(Address.__table__.delete())


def on_the_map(client: FlaskClient, report_id: int, lat: float, lon: float) -> bool:
    box = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    features = client.get("/api/v1/reports", query_string={"bbox": box, "zoom": 18}).json["features"]
    return any(f.get("id") == report_id for f in features)


def test_moving_a_report_tells_them_the_corrected_address(
    app: Flask, client: FlaskClient, staff: dict, worker: Any, fake_fcm: Any, register: None
) -> None:
    tag = uuid.uuid4().hex[:8]
    reporter, made, fan = followed(client, tag)
    desk = Desk(client, staff, made["id"])
    seen = len(timeline(reporter, made["id"]))
    place = "Świętego Wawrzyńca 7"

    moved = desk.act("move", WAWRZYNCA_7)
    assert moved.status_code == 200, moved.json
    assert (moved.json["lat"], moved.json["lon"], moved.json["address"]) == (50.0491, 19.9459, place)
    settle(app, lambda: all_settled(app, made["id"], 2))
    public = reporter.get(f"/api/v1/reports/{made['id']}").json
    assert (public["lat"], public["lon"], public["address"]) == (50.0491, 19.9459, place)
    assert on_the_map(client, made["id"], **WAWRZYNCA_7)
    assert not on_the_map(client, made["id"], made["lat"], made["lon"])
    for reader, lang in ((reporter, "pl"), (fan, "uk")):
        new = timeline(reader, made["id"])[seen:]
        assert [(e["kind"], e["body"]) for e in new] == [("moved", gettext(MOVED_TO, lang, address=place))]
    got = pushes(fake_fcm, tag)
    assert Counter(r.token for r in got) == {f"ok-{tag}-pl": 1, f"ok-{tag}-uk": 1}
    assert {r.body for r in got} == {gettext(MOVED_TO, lang, address=place) for lang in ("pl", "uk")}
    assert open311(client, made["public_id"], "en")["address"] == place

    # Only an address: the register places it. The same place again tells nobody anything.
    by_address = desk.act("move", {"address": "Szewska 10"})
    assert by_address.status_code == 200, by_address.json
    assert (by_address.json["lat"], by_address.json["lon"]) == (50.0619, 19.9348)
    assert timeline(reporter, made["id"])[-1]["body"] == gettext(MOVED_TO, "pl", address="Szewska 10")
    trail = client.get(f"/api/admin/reports/{made['id']}/audit", headers=staff).json
    assert trail[0]["action"] == "report.move" and trail[0]["after"]["address"] == "Szewska 10"
    assert desk.act("move", {"address": "Szewska 10"}).status_code == 200
    assert len(timeline(reporter, made["id"])) == seen + 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 50.2, "lon": 20.1}, "lat"),  # in the powiat: another municipality
        ({"lat": 50.06}, "lon"),
        ({"lon": 19.93}, "lat"),
        ({}, "lat"),
        ({"lat": 91, "lon": 19.93}, "lat"),
        ({"address": "Nieistniejąca 999 XYZ"}, "address"),
        ({"address": "x" * 301}, "address"),
    ],
)
def test_a_move_to_a_place_that_cannot_be_is_refused_naming_the_field(
    client: FlaskClient, staff: dict, body: dict, field: str
) -> None:
    made = Resident(client).report()
    res = Desk(client, staff, made["id"]).act("move", body)
    assert res.status_code == 422, res.json
    assert field in str(res.json["errors"])
    assert client.get(f"/api/v1/reports/{made['id']}").json["lat"] == made["lat"]


def test_staff_correct_the_location_from_the_report_page_by_its_address(
    app: Flask, client: FlaskClient, register: None
) -> None:
    email = f"words-web-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    web, csrf = web_session(app, email)
    made = Resident(client, "uk").report()
    version = Desk(client, api_headers(app, email), made["id"]).get().json["etag"]
    post = {"base_url": HTTPS, "headers": {"Referer": f"{HTTPS}/admin/reports/{made['id']}"}}

    unknown = web.post(f"/admin/reports/{made['id']}/move", data={"address": "Nieistniejąca 999 XYZ",
                                                                  "etag": version, "csrf_token": csrf}, **post)
    # The staff page has no coordinate fields: it asks to check the address, in the staff member's language.
    why = gettext("This address was not found. Check the street name and the house number.", "pl")
    assert unknown.status_code == 200 and why in unknown.get_data(as_text=True)
    assert client.get(f"/api/v1/reports/{made['id']}").json["address"] == made["address"]
    page = web.post(f"/admin/reports/{made['id']}/move", data={"address": "szewska 10", "etag": version,
                                                               "csrf_token": csrf}, **post)
    assert page.status_code == 200 and 'name="address" value="Szewska 10"' in page.get_data(as_text=True)
    entry = client.get(f"/api/v1/reports/{made['id']}", headers={"Accept-Language": "uk"}).json["timeline"][-1]
    assert (entry["kind"], entry["body"]) == ("moved", gettext(MOVED_TO, "uk", address="Szewska 10"))
