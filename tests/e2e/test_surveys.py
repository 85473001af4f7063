"""Surveys: definitions and versions, what residents answer (every question type, conditions, one response per
device, no device id stored), results with intervals and suppression, and a real representative survey."""

from __future__ import annotations

import csv
import hashlib
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from backend.staff import create_staff
from tests.conftest import ROOT, SHARED_DATA
from tests.e2e.conftest import Resident
from tests.support.waiting import eventually

PASSWORD = "correct horse battery staple"
KC_CSV = SHARED_DATA / "surveys" / "kcmo_resident_survey_2021q3.csv"
KC_SURVEY = ROOT / "tests" / "data" / "kcmo_survey.yaml"
OLD_TOWN = (50.0614, 19.9372)

DEFINITION: dict[str, Any] = {
    "title": {"pl": "Jak oceniasz usługi miasta?", "en": "How good are the city's services?"},
    "intro": {"pl": "Pięć pytań.", "en": "Five questions."},
    "service_codes": ["pothole", "overflowing_bin"],
    "questions": [
        {"code": "roads", "kind": "likert5", "required": True, "dont_know": True, "service_code": "pothole",
         "dimension": "overall", "text": {"pl": "Stan dróg", "en": "Roads"},
         "scale_labels": {"pl": ["bardzo źle", "źle", "średnio", "dobrze", "bardzo dobrze"]}},
        {"code": "recommend", "kind": "nps", "text": {"pl": "Czy poleciłbyś?", "en": "Would you recommend?"}},
        {"code": "used", "kind": "single", "required": True, "text": {"pl": "Czy korzystasz z PSZOK?", "en": "Used?"},
         "options": [{"code": "yes", "label": {"pl": "tak", "en": "yes"}},
                     {"code": "no", "label": {"pl": "nie", "en": "no"}}]},
        {"code": "which", "kind": "multiple", "required": True, "show_if": {"code": "used", "values": ["yes"]},
         "text": {"pl": "Które?", "en": "Which?"},
         "options": [{"code": "paper", "label": {"pl": "papier"}}, {"code": "glass", "label": {"pl": "szkło"}}]},
        {"code": "comment", "kind": "text", "text": {"pl": "Uwagi", "en": "Comments"}},
        {"code": "district", "kind": "district", "text": {"pl": "W której dzielnicy mieszkasz?", "en": "District?"}},
    ],
}


@pytest.fixture(scope="module")
def manager(app: Flask, cities: dict) -> dict[str, str]:
    email = f"surveys-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
    token = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def published(app: Flask, manager: dict) -> dict[str, Any]:
    client = app.test_client()
    made = client.post("/api/admin/surveys", json={**DEFINITION, "key": f"services-{uuid.uuid4().hex[:6]}"},
                       headers=manager)
    assert made.status_code == 201, made.json
    done = client.post(f"/api/admin/surveys/{made.json['id']}/publish", headers=manager)
    assert done.status_code == 200 and done.json["status"] == "published"
    return dict(done.json)


def citizen(client: FlaskClient, lang: str = "pl") -> Resident:
    me = Resident(client, lang)
    assert me.post("/api/v1/me/places", {"label": "home", "lat": OLD_TOWN[0], "lon": OLD_TOWN[1]}).status_code == 201
    return me


def answer(me: Resident, survey_id: int, answers: dict[str, Any], key: str | None = None) -> Any:
    return me.post(f"/api/v1/surveys/{survey_id}/responses", {"answers": answers},
                   headers={"Idempotency-Key": key} if key else None)


GOOD = {"roads": 4, "recommend": 9, "used": "yes", "which": ["paper", "glass"], "comment": "Dziękuję"}


def test_a_resident_sees_the_open_survey_in_their_language_and_answers_it_once(
        app: Flask, client: FlaskClient, published: dict) -> None:
    me = citizen(client, "en")
    listed = me.get("/api/v1/surveys").json["items"]
    mine = next(s for s in listed if s["id"] == published["id"])
    assert mine["title"] == "How good are the city's services?" and mine["answered"] is False
    shown = me.get(f"/api/v1/surveys/{published['id']}").json
    assert [q["code"] for q in shown["questions"]] == [q["code"] for q in DEFINITION["questions"]]
    assert shown["questions"][3]["show_if"] == {"code": "used", "values": ["yes"]}
    assert [o["code"] for o in shown["questions"][5]["options"]][:3] == ["I", "II", "III"]  # the districts
    first = answer(me, published["id"], GOOD, key="k-1")
    assert first.status_code == 201
    again = answer(me, published["id"], GOOD, key="k-1")  # a retry: the first receipt
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert answer(me, published["id"], GOOD, key="k-2").status_code == 409  # a second response
    assert answer(me, published["id"], GOOD).status_code == 409
    assert next(s for s in me.get("/api/v1/surveys").json["items"] if s["id"] == published["id"])["answered"]


@pytest.mark.parametrize(("answers", "question"), [
    ({**GOOD, "roads": 6}, "roads"), ({**GOOD, "roads": "4"}, "roads"), ({**GOOD, "recommend": 11}, "recommend"),
    ({**GOOD, "recommend": "dont_know"}, "recommend"),  # no "don't know" on this one
    ({**GOOD, "used": "maybe"}, "used"), ({**GOOD, "which": ["paper", "wood"]}, "which"),
    ({**GOOD, "which": ["paper", "paper"]}, "which"), ({**GOOD, "comment": "x" * 2001}, "comment"),
    ({**GOOD, "district": "XCIX"}, "district"), ({**GOOD, "nonsense": 1}, "nonsense"),
    ({k: v for k, v in GOOD.items() if k != "roads"}, "roads"),  # required
    ({**GOOD, "used": "no"}, "which"),  # an answer to a question not shown
    ({**GOOD, "which": []}, "which"),  # shown and required, but empty
])
def test_bad_answers_are_422_naming_the_question_and_nothing_is_stored(
        app: Flask, client: FlaskClient, published: dict, answers: dict, question: str) -> None:
    me = citizen(client)
    res = answer(me, published["id"], answers)
    assert res.status_code == 422, res.json
    assert f"answers.{question}" in str(res.json)
    assert answer(me, published["id"], {**GOOD, "roads": "dont_know"}).status_code == 201  # then a good one


def test_no_device_id_is_stored_with_a_response_and_the_area_comes_from_home_or_the_question(
        app: Flask, client: FlaskClient, published: dict) -> None:
    from backend.db import session
    from backend.models import SurveyResponse

    me = citizen(client)
    other = Resident(client)
    other.client.patch("/api/v1/devices/me", json={"jurisdiction": "1261011"}, headers=other.headers)
    first = answer(me, published["id"], {**GOOD, "used": "no", "which": None})
    assert first.status_code == 201, first.json
    r1 = first.json["id"]
    r2 = answer(other, published["id"], {**GOOD, "district": "XIII"}).json["id"]
    with app.app_context():
        columns = {c.name for c in SurveyResponse.__table__.columns}
        assert not any("device" in c for c in columns)
        rows = {r.id: r for r in session().scalars(select(SurveyResponse).where(SurveyResponse.id.in_([r1, r2])))}
        areas = dict(session().execute(text("SELECT id, code FROM areas")).all())
        plain = hashlib.sha256(str(me.device_id).encode()).hexdigest()
        assert rows[r1].respondent_hash not in (str(me.device_id), plain)  # keyed by the app's secret
        assert areas[rows[r1].area_id] == "I" and areas[rows[r2].area_id] == "XIII"
        session().rollback()


def test_a_published_survey_is_immutable_editing_makes_a_new_version(app: Flask, client: FlaskClient,
                                                                      manager: dict, published: dict) -> None:
    changed = {**DEFINITION, "title": {"pl": "Nowa wersja"}}
    res = client.put(f"/api/admin/surveys/{published['id']}", json=changed, headers=manager)
    assert res.status_code == 200 and res.json["version"] == published["version"] + 1
    assert res.json["status"] == "draft" and res.json["id"] != published["id"]
    assert client.get(f"/api/admin/surveys/{published['id']}", headers=manager).json["title"] == DEFINITION["title"]
    preview = client.get(f"/api/admin/surveys/{res.json['id']}/preview?lang=uk", headers=manager).json
    assert preview["title"] == "Nowa wersja"  # no Ukrainian title: the municipality's language
    bad = {**DEFINITION, "questions": [{**DEFINITION["questions"][0], "show_if": {"code": "later", "values": ["x"]}}]}
    assert client.post("/api/admin/surveys", json=bad, headers=manager).status_code == 422


def test_results_have_intervals_and_hide_small_cells(app: Flask, client: FlaskClient, manager: dict) -> None:
    made = client.post("/api/admin/surveys", json={**DEFINITION, "key": f"small-{uuid.uuid4().hex[:6]}"},
                       headers=manager).json
    client.post(f"/api/admin/surveys/{made['id']}/publish", headers=manager)
    scores = [5, 4, 4, 3, 2, 5, 4]  # seven in district I, four in district XIII
    for value in scores:
        assert answer(citizen(client), made["id"], {**GOOD, "roads": value}).status_code == 201
    for value in (1, 2, 5, 5):  # no saved place: the district question gives the area
        me = Resident(client)
        me.client.patch("/api/v1/devices/me", json={"jurisdiction": "1261011"}, headers=me.headers)
        assert answer(me, made["id"], {**GOOD, "roads": value, "district": "XIII"}).status_code == 201
    res = client.get(f"/api/admin/surveys/{made['id']}/results", headers=manager).json
    roads = next(q for q in res["questions"] if q["code"] == "roads")
    district_i = roads["by_area"]["I"]
    assert district_i["n"] == 7 and abs(district_i["mean"] - sum(scores) / 7) < 1e-9
    assert abs(district_i["top2"] - 5 / 7) < 1e-9
    low, high = district_i["top2_ci"]
    assert low < 5 / 7 < high
    assert roads["by_area"]["XIII"] == {"n": 4, "suppressed": True}  # a cell of four: no number
    assert roads["overall"]["n"] == 11 and not roads["overall"]["suppressed"]
    exported = client.get(f"/api/admin/surveys/{made['id']}/responses.csv", headers=manager).get_data(as_text=True)
    header = exported.splitlines()[0].split(",")
    assert header[:3] == ["area", "weight", "provenance"] and "roads" in header


def test_the_kansas_city_survey_imports_and_its_district_means_and_top2_equal_the_csv(
        app: Flask, manager: dict, tmp_path: Path) -> None:
    from backend.surveys import import_survey

    spec = tmp_path / "kc.yaml"  # a key of its own for this run
    spec.write_text(KC_SURVEY.read_text().replace("key: kcmo-2021q3", f"key: kc-{uuid.uuid4().hex[:6]}"))
    with app.app_context():
        done = import_survey("1261011", spec, KC_CSV)
    assert done["responses"] == 1033
    res = app.test_client().get(f"/api/admin/surveys/{done['survey_id']}/results", headers=manager).json
    assert res["provenance"] == "representative"
    roman = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
    expected: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    with KC_CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            for i in range(1, 17):
                value = row[f"q3_{i:02d}"]
                if value not in ("9", "", "NA"):
                    expected[f"q3_{i:02d}"][roman[row["counci"]]].append(int(value))
    checked = 0
    for q in res["questions"]:
        for area, values in expected[q["code"]].items():
            got = q["by_area"][area]
            assert got["n"] == len(values)
            assert abs(got["mean"] - sum(values) / len(values)) < 1e-9
            assert abs(got["top2"] - sum(v >= 4 for v in values) / len(values)) < 1e-9
            checked += 1
    assert checked == 16 * 6
    with app.app_context(), pytest.raises(Exception, match="already imported"):
        import_survey("1261011", spec, KC_CSV)


def test_invitations_go_by_push_to_the_audience_throttled_and_give_the_response_rate(
        app: Flask, client: FlaskClient, manager: dict, worker: Any, fake_fcm: Any) -> None:
    from tests.e2e.test_notifications import settle

    made = client.post("/api/admin/surveys", json={**DEFINITION, "key": f"invite-{uuid.uuid4().hex[:6]}",
                                                   "audience": "areas", "areas": ["I"]}, headers=manager).json
    draft_invite = client.post(f"/api/admin/surveys/{made['id']}/invite", json={}, headers=manager)
    assert draft_invite.status_code == 409  # not published yet
    client.post(f"/api/admin/surveys/{made['id']}/publish", headers=manager)
    tag = uuid.uuid4().hex[:6]
    invited, elsewhere = citizen(client), Resident(client)
    for me, token in ((invited, f"ok-inv-{tag}"), (elsewhere, f"ok-away-{tag}")):
        me.client.patch("/api/v1/devices/me", json={"push_token": token}, headers=me.headers)
        me.client.put("/api/v1/me/notification-preferences", json={"topics": {"surveys": True}}, headers=me.headers)
    elsewhere.post("/api/v1/me/places", {"label": "home", "lat": 50.0720, "lon": 20.0378})  # Nowa Huta
    res = client.post(f"/api/admin/surveys/{made['id']}/invite", json={"per_minute": 500}, headers=manager)
    assert res.status_code == 201
    settle(app, lambda: any(r.token == f"ok-inv-{tag}" for r in fake_fcm.accepted()))
    push = next(r for r in fake_fcm.accepted() if r.token == f"ok-inv-{tag}")
    assert push.data["type"] == "survey" and push.data["survey_id"] == str(made["id"])
    assert not any(r.token == f"ok-away-{tag}" for r in fake_fcm.accepted())  # not in the survey's district
    assert answer(invited, made["id"], GOOD).status_code == 201
    results = client.get(f"/api/admin/surveys/{made['id']}/results", headers=manager).json
    assert results["invited"] >= 1 and results["responses"] == 1
    assert results["response_rate"] == 1 / results["invited"]


def test_a_throttled_invitation_pauses_after_its_minute_s_worth(app: Flask, client: FlaskClient,
                                                               manager: dict) -> None:
    from datetime import timedelta

    from backend.db import session
    from backend.models import Broadcast, utcnow
    from push.broadcasts import send_step

    made = client.post("/api/admin/surveys", json={**DEFINITION, "key": f"slow-{uuid.uuid4().hex[:6]}"},
                       headers=manager).json
    client.post(f"/api/admin/surveys/{made['id']}/publish", headers=manager)
    for _ in range(3):
        me = citizen(client)
        me.client.put("/api/v1/me/notification-preferences", json={"topics": {"surveys": True}}, headers=me.headers)
    bid = client.post(f"/api/admin/surveys/{made['id']}/invite", json={"per_minute": 2},
                      headers=manager).json["broadcast_id"]
    with app.app_context():
        # This step or the worker (which got the task when the invitation committed) takes the first batch.
        assert send_step(bid) in ("paused", "later", "idle")

        def first_batch() -> tuple[str, int, Any] | None:
            b = session().get(Broadcast, bid)
            seen = (b.status, b.targeted, b.send_at)
            session().rollback()
            return seen if seen[1] else None

        status, targeted, send_at = eventually(first_batch, what="the invitation's first batch to be targeted")
        assert status == "sending" and targeted == 2  # two devices a minute
        assert send_at > utcnow() + timedelta(seconds=50)
        assert send_step(bid) == "later"  # not before its time
