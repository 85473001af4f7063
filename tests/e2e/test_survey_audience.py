"""Who a survey is for, one rule for both ends: the devices an invitation reaches are the devices that find the
survey in their list (among those that take survey notifications), on a varied population — saved places, reports
filed, a chosen municipality, a neighbour's place, nothing at all. And the response rate counts only the answers
of invited devices; the others are shown apart."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.staff import create_staff
from tests.e2e.conftest import HTTPS, PASSWORD, Resident, api_headers, web_session

OLD_TOWN = {"lat": 50.0614, "lon": 19.9372}  # district I
NOWA_HUTA = {"lat": 50.0720, "lon": 20.0378}  # district XVIII
QUESTIONS = [{"code": "sat", "kind": "likert5", "required": True, "text": {"pl": "Ocena", "en": "Rating"}}]


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, Any]:
    email = f"audience-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
    web = web_session(app, email)[0]
    with web.session_transaction(base_url=HTTPS) as kept:
        kept["lang"] = "en"
    return {"api": api_headers(app, email), "web": web}


def device(client: FlaskClient, *, place: dict | None = None, report: dict | None = None,
           jurisdiction: str | None = None, surveys_topic: bool = True) -> Resident:
    me = Resident(client)
    if jurisdiction:
        assert me.client.patch("/api/v1/devices/me", json={"jurisdiction": jurisdiction},
                               headers=me.headers).status_code == 200
    if place:
        assert me.post("/api/v1/me/places", {"label": "home", **place}).status_code == 201
    if report:
        me.report(**report)
    res = me.client.put("/api/v1/me/notification-preferences", json={"topics": {"surveys": surveys_topic}},
                        headers=me.headers)
    assert res.status_code == 200, res.json
    return me


def population(client: FlaskClient) -> dict[str, Resident]:
    return {
        "home in I": device(client, place=OLD_TOWN),
        "report in I only": device(client, report=OLD_TOWN),
        "report in I, home in Nowa Huta": device(client, place=NOWA_HUTA, report=OLD_TOWN),
        "bin report in I only": device(client, report={**OLD_TOWN, "service_code": "overflowing_bin",
                                                       "answers": {}}),
        "home in Nowa Huta": device(client, place=NOWA_HUTA),
        "chose Kraków": device(client, jurisdiction="1261011"),
        "chose the powiat": device(client, jurisdiction="1206"),
        "nothing": device(client),
    }


def published(client: FlaskClient, headers: dict, **audience: Any) -> int:
    made = client.post("/api/admin/surveys", headers=headers, json={
        "key": f"aud-{uuid.uuid4().hex[:6]}", "title": {"pl": "Badanie", "en": "Survey"}, "questions": QUESTIONS,
        **audience})
    assert made.status_code == 201, made.json
    assert client.post(f"/api/admin/surveys/{made.json['id']}/publish", headers=headers).status_code == 200
    return int(made.json["id"])


def invite_all(app: Flask, client: FlaskClient, headers: dict, survey_id: int) -> set[int]:
    """Send the invitation, wait until its fan-out is done; the devices it reached."""
    from backend.db import session
    from backend.models import Broadcast, Notification
    from tests.e2e.test_notifications import settle

    res = client.post(f"/api/admin/surveys/{survey_id}/invite", json={"per_minute": 100000}, headers=headers)
    assert res.status_code == 201, res.json
    bid = res.json["broadcast_id"]

    def sent() -> bool:
        with app.app_context():
            status = session().get(Broadcast, bid).status
            session().rollback()
        return status == "sent"

    settle(app, sent)
    with app.app_context():
        reached = set(session().scalars(select(Notification.device_id).where(Notification.broadcast_id == bid)))
        session().rollback()
    return reached


def listing(me: Resident, survey_id: int) -> bool:
    res = me.get("/api/v1/surveys")
    assert res.status_code == 200
    shown = any(s["id"] == survey_id for s in res.json["items"])
    assert (me.get(f"/api/v1/surveys/{survey_id}").status_code == 200) == shown  # and it opens when listed
    return shown


@pytest.mark.parametrize(("audience", "meant_for"), [
    ({"audience": "areas", "areas": ["I"]},
     {"home in I", "report in I only", "report in I, home in Nowa Huta", "bin report in I only"}),
    ({"audience": "everyone"},
     {"home in I", "report in I only", "report in I, home in Nowa Huta", "bin report in I only",
      "home in Nowa Huta", "chose Kraków"}),
    ({"audience": "reporters", "reporter_services": ["pothole"], "reporter_days": 30},
     {"report in I only", "report in I, home in Nowa Huta"}),
])
def test_the_invited_devices_are_exactly_those_that_list_the_survey(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, audience: dict, meant_for: set[str]) -> None:
    people = population(client)
    survey_id = published(client, staff["api"], **audience)
    listed = {name for name, me in people.items() if listing(me, survey_id)}
    reached = invite_all(app, client, staff["api"], survey_id)
    invited = {name for name, me in people.items() if me.device_id in reached}
    assert listed == invited, f"listed but not invited: {listed - invited}; invited, not listed: {invited - listed}"
    assert invited == meant_for
    assert {name for name, me in people.items() if listing(me, survey_id)} == listed  # the same after the invitation


def test_a_device_that_takes_no_survey_notifications_still_finds_a_survey_of_its_area(
        app: Flask, client: FlaskClient, staff: dict, worker: Any) -> None:
    quiet = device(client, report=OLD_TOWN, surveys_topic=False)
    survey_id = published(client, staff["api"], audience="areas", areas=["I"])
    assert quiet.device_id not in invite_all(app, client, staff["api"], survey_id)
    assert listing(quiet, survey_id)


def test_the_response_rate_counts_only_invited_answers_and_shows_the_others_apart(
        app: Flask, client: FlaskClient, staff: dict, worker: Any) -> None:
    invited_one = device(client, place=OLD_TOWN)
    quiet = device(client, place=OLD_TOWN, surveys_topic=False)  # never invited
    survey_id = published(client, staff["api"], audience="everyone")
    reached = invite_all(app, client, staff["api"], survey_id)
    assert invited_one.device_id in reached and quiet.device_id not in reached
    late = device(client, place=OLD_TOWN)  # came after the invitation: not invited either
    for me in (invited_one, quiet, late):
        assert me.post(f"/api/v1/surveys/{survey_id}/responses", {"answers": {"sat": 4}}).status_code == 201
    res = client.get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json
    assert res["responses"] == 3 and res["invited"] == len(reached)
    assert res["response_rate"] == pytest.approx(1 / len(reached))
    assert res["invited_responses"] == 1 and res["uninvited_responses"] == 2
    page = staff["web"].get(f"/admin/surveys/{survey_id}", base_url=HTTPS).get_data(as_text=True)
    assert f'<b id="response-rate">{100 / len(reached):.1f} %</b>' in page
    assert '<b id="uninvited-responses">2</b>' in page and "not in the response rate" in page


def test_a_reminder_invitation_counts_each_device_once_in_the_response_rate(
        app: Flask, client: FlaskClient, staff: dict, worker: Any) -> None:
    me = device(client, place=OLD_TOWN)
    survey_id = published(client, staff["api"], audience="areas", areas=["I"])
    first = invite_all(app, client, staff["api"], survey_id)
    again = invite_all(app, client, staff["api"], survey_id)  # a reminder to the same audience
    assert me.device_id in first & again
    assert me.post(f"/api/v1/surveys/{survey_id}/responses", {"answers": {"sat": 5}}).status_code == 201
    res = client.get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json
    assert res["invited"] == len(first | again)
    assert res["response_rate"] == pytest.approx(1 / len(first | again))
