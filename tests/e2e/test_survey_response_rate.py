"""The response rate of app-survey invitations, one rule on the survey's results page and in the
`survey_response_rate` indicator: the numerator is the answers of devices an invitation to that survey version had
reached before they answered (each device once), the denominator the distinct devices invited (a reminder does not
count a device twice). The indicator is checked against a recomputation from the raw tables that matches the
respondents' pseudonyms itself, and after a resident erases their install both still agree."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from backend.staff import create_staff
from tests.e2e.conftest import HTTPS, PASSWORD, api_headers, web_session
from tests.e2e.test_indicators import feed, token
from tests.e2e.test_survey_audience import OLD_TOWN, device, invite_all, published
from tests.support.waiting import eventually

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, Any]:
    email = f"rate-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
    web = web_session(app, email)[0]
    with web.session_transaction(base_url=HTTPS) as kept:
        kept["lang"] = "en"
    return {"api": api_headers(app, email), "web": web, "admin": token(app, "1261011", "admin")}


def first_invitation(app: Flask, survey_id: int) -> datetime:
    with app.app_context():
        from backend.db import session

        sent = session().scalar(text("SELECT min(send_at) FROM broadcasts WHERE survey_id = :s"), {"s": survey_id})
        session().rollback()
    return sent


def recomputed(app: Flask, month: str) -> tuple[dict[int, tuple[int, int]], int, int]:
    """From the raw tables, for the Kraków survey versions first invited in `month` (Warsaw time): per version,
    (distinct devices invited, responses whose pseudonym is an invited device's and that came after the first
    invitation reaching that device); and the totals. The pseudonyms are matched here with the deployment's key."""
    secret = app.config["SECRET_KEY"].encode()
    with app.app_context():
        from backend.db import session

        notified = session().execute(text(
            "SELECT b.survey_id, s.key, b.send_at, n.device_id, n.created_at FROM broadcasts b "
            "JOIN notifications n ON n.broadcast_id = b.id JOIN surveys s ON s.id = b.survey_id "
            "JOIN jurisdictions j ON j.id = s.jurisdiction_id WHERE j.code = '1261011'")).all()
        answers = session().execute(text(
            "SELECT survey_id, respondent_hash, created_at FROM survey_responses "
            "WHERE respondent_hash IS NOT NULL")).all()
        session().rollback()
    first_sent: dict[int, datetime] = {}
    reached: dict[int, dict[str, datetime]] = defaultdict(dict)
    for survey_id, key, send_at, device_id, created_at in notified:
        first_sent[survey_id] = min(first_sent.get(survey_id, send_at), send_at)
        pseudonym = hmac.new(secret, f"survey:{key}:{device_id}".encode(), hashlib.sha256).hexdigest()
        reached[survey_id][pseudonym] = min(reached[survey_id].get(pseudonym, created_at), created_at)
    per_survey = {}
    for survey_id, sent in first_sent.items():
        if sent.astimezone(WARSAW).strftime("%Y-%m") != month:
            continue
        invited = reached[survey_id]
        answered = sum(1 for sid, h, at in answers if sid == survey_id and h in invited and invited[h] <= at)
        per_survey[survey_id] = (len(invited), answered)
    return per_survey, sum(i for i, _ in per_survey.values()), sum(a for _, a in per_survey.values())


def indicator_settles(app: Flask, headers: dict, code: str, month: str) -> tuple[dict[str, Any], int, int]:
    """The indicator's municipality value for the month once a computation saw what the raw tables hold now (the
    background computations may still be running on older data): the value and the recomputation's figures."""

    def settled() -> tuple[dict[str, Any], int, int] | None:
        _, invited, answered = recomputed(app, month)
        items = [i for i in feed(app, headers, indicator=code, period=month, service="total") if i["area"] is None]
        return (items[0], invited, answered) if items and items[0]["n"] == invited else None

    return eventually(settled, what=f"a value of {code} for {month} counting the devices invited")


def drill_row(staff: dict, code: str, month: str, key: str) -> tuple[int, int]:
    """The invited devices and invited answers the indicator's drill-down page shows for one survey version."""
    page = staff["web"].get(f"/admin/indicators/{code}/values?period={month}", base_url=HTTPS)
    assert page.status_code == 200
    found = re.search(rf"<td>{key} v1</td><td>(\d+)</td><td>(\d+)</td>", page.get_data(as_text=True))
    assert found, f"no row for {key} on the drill-down page"
    return int(found.group(1)), int(found.group(2))


def page_rate(staff: dict, survey_id: int) -> str:
    page = staff["web"].get(f"/admin/surveys/{survey_id}", base_url=HTTPS).get_data(as_text=True)
    found = re.search(r'<b id="response-rate">([^<]+)</b>', page)
    assert found, "no response rate on the survey's page"
    return found.group(1)


def test_the_indicator_and_the_results_page_count_the_same_invited_answers_each_device_once(
        app: Flask, client: FlaskClient, staff: dict, worker: Any) -> None:
    early = device(client, place=OLD_TOWN)  # answers before any invitation reaches it
    invited_once = device(client, place=OLD_TOWN)
    reminded = device(client, place=OLD_TOWN)  # answers after the reminder: invited twice, counted once
    quiet = device(client, place=OLD_TOWN, surveys_topic=False)  # never invited, answers anyway
    for _ in range(4):  # invited, never answer (and enough devices for a value that is not a small cell)
        device(client, place=OLD_TOWN)
    survey_id = published(client, staff["api"], audience="areas", areas=["I"])
    key = client.get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json["key"]

    def answer(me: Any) -> None:
        assert me.post(f"/api/v1/surveys/{survey_id}/responses", {"answers": {"sat": 4}}).status_code == 201

    answer(early)
    first = invite_all(app, client, staff["api"], survey_id)
    answer(invited_once)
    newcomer = device(client, place=OLD_TOWN)  # only the reminder reaches it
    reminder = invite_all(app, client, staff["api"], survey_id)
    answer(reminded)
    answer(newcomer)
    answer(quiet)
    assert {early.device_id, invited_once.device_id, reminded.device_id} <= first & reminder
    assert newcomer.device_id in reminder - first and quiet.device_id not in first | reminder
    invited = len(first | reminder)

    results = client.get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json
    assert results["responses"] == 5 and results["invited"] == invited
    assert results["invited_responses"] == 3 and results["uninvited_responses"] == 2  # early and quiet
    assert results["response_rate"] == pytest.approx(3 / invited)
    assert page_rate(staff, survey_id) == f"{100 * 3 / invited:.1f} %"

    month = first_invitation(app, survey_id).astimezone(WARSAW).strftime("%Y-%m")
    code = f"rate-{uuid.uuid4().hex[:6]}"
    made = client.post("/api/admin/indicators", headers=staff["admin"], json={
        "code": code, "name": {"en": "Survey invitations answered"}, "unit": "%", "direction": "higher",
        "kind": "subjective", "computation": "survey_response_rate", "granularity": "month"})
    assert made.status_code == 201, made.json
    assert client.post("/api/admin/indicators/recompute", headers=staff["admin"], json={
        "codes": [code], "from": month, "to": month}).status_code == 202
    value, all_invited, all_answered = indicator_settles(app, staff["api"], code, month)
    assert recomputed(app, month)[0][survey_id] == (invited, 3)
    assert not value["suppressed"]
    assert value["value"] == pytest.approx(100 * all_answered / all_invited, rel=1e-12)
    assert drill_row(staff, code, month, key) == (results["invited"], results["invited_responses"])

    # The resident who answered after the first invitation erases their install: the device leaves both the
    # invited and the answers, on the results page and in the indicator alike.
    assert invited_once.delete("/api/v1/me").status_code == 204
    results = client.get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json
    assert (results["invited"], results["invited_responses"]) == (invited - 1, 2)
    assert results["responses"] == 5 and results["uninvited_responses"] == 3
    assert page_rate(staff, survey_id) == f"{100 * 2 / (invited - 1):.1f} %"
    assert client.post("/api/admin/indicators/recompute", headers=staff["admin"], json={
        "codes": [code], "from": month, "to": month}).status_code == 202
    value, all_invited, all_answered = indicator_settles(app, staff["api"], code, month)
    assert recomputed(app, month)[0][survey_id] == (invited - 1, 2)
    assert value["value"] == pytest.approx(100 * all_answered / all_invited, rel=1e-12)
    assert drill_row(staff, code, month, key) == (results["invited"], results["invited_responses"])


def test_an_answer_counts_as_invited_only_for_the_version_whose_invitation_reached_the_device(
        app: Flask, client: FlaskClient, staff: dict, worker: Any) -> None:
    me = device(client, place=OLD_TOWN)
    other = published(client, staff["api"], audience="areas", areas=["I"])
    assert me.device_id in invite_all(app, client, staff["api"], other)
    survey_id = published(client, staff["api"], audience="areas", areas=["I"])  # never sent out
    assert me.post(f"/api/v1/surveys/{survey_id}/responses", {"answers": {"sat": 2}}).status_code == 201
    results = client.get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json
    assert results["invited"] == 0 and results["invited_responses"] == 0 and results["response_rate"] is None
    assert results["uninvited_responses"] == 1
    assert client.get(f"/api/admin/surveys/{other}/results", headers=staff["api"]).json["invited_responses"] == 0
