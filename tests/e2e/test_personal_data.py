"""A person's data on their request, through the staff API: an administrator finds the person by the e-mail address
or phone they gave (an Open311 reporter, an e-mail reporter, an app user), exports what the municipality holds and
erases it; other municipalities, other roles and API keys cannot; every export and erasure is in the audit log
without the contact data."""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db import unit_of_work
from backend.models import FeedbackAnswer, FeedbackRequest, SurveyResponse, utcnow
from backend.models import Resident as ResidentRecord
from backend.reporting import feedback_requests
from backend.staff import create_api_key, create_staff
from tests.e2e.conftest import PASSWORD, TOTP_SECRET, Resident, api_headers

KRAKOW, POWIAT = "1261011", "1206"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
EXPORT, ERASE = "/api/admin/personal-data/export", "/api/admin/personal-data/erasure"


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, dict[str, str]]:
    """Bearer headers of Kraków's admin, manager, dispatcher and viewer, the powiat's admin, and an API key that
    may read reports with their contact data."""
    tag = uuid.uuid4().hex[:6]
    out: dict[str, dict[str, str]] = {}
    with app.app_context():
        for role in ("admin", "manager", "dispatcher", "viewer"):
            email = f"pd-{role}-{tag}@krakow.example"
            create_staff(
                email=email,
                password=PASSWORD,
                role=role,
                jurisdiction_code=KRAKOW,
                totp_secret=TOTP_SECRET if role == "admin" else None,
            )
            out[role] = api_headers(app, email)
        email = f"pd-admin-{tag}@powiat.example"
        create_staff(email=email, password=PASSWORD, role="admin", jurisdiction_code=POWIAT, totp_secret=TOTP_SECRET)
        out["foreign_admin"] = api_headers(app, email)
        key = create_api_key(name=f"pd-{tag}", jurisdiction_code=KRAKOW, scopes=["reports:read", "reports:contact"])[1]
        out["key"] = {"X-API-Key": key}
    return out


@pytest.fixture(scope="module")
def open311_keys(app: Flask, cities: dict) -> dict[str, str]:
    with app.app_context():
        return {
            code: create_api_key(name=f"pd-311-{code}", jurisdiction_code=code, scopes=["open311:write"])[1]
            for code in (KRAKOW, POWIAT)
        }


@pytest.fixture(scope="module")
def survey(app: Flask, staff: dict) -> int:
    """A published app survey of Kraków."""
    client = app.test_client()
    made = client.post(
        "/api/admin/surveys",
        headers=staff["admin"],
        json={
            "key": f"pd-{uuid.uuid4().hex[:6]}",
            "title": {"pl": "Jak nam idzie?", "en": "How are we doing?"},
            "questions": [
                {"code": "q1", "kind": "likert5", "text": {"pl": "Ocena", "en": "Rating"}},
                {"code": "note", "kind": "text", "text": {"pl": "Uwagi", "en": "Comments"}},
            ],
        },
    )
    assert made.status_code == 201, made.json
    assert client.post(f"/api/admin/surveys/{made.json['id']}/publish", headers=staff["admin"]).status_code == 200
    return int(made.json["id"])


@dataclass
class Person:
    """Someone who reported in Kraków through Open311 (twice) and through the app, and once in the powiat."""

    tag: str
    email: str
    phone: str
    app: Resident
    krakow: list[str] = field(default_factory=list)  # public ids of the reports filed in Kraków
    ids: dict[str, int] = field(default_factory=dict)
    powiat: str = ""
    supported: int = 0


def open311(client: FlaskClient, key: str, code: str, lat: str, lon: str, service: str, **extra: str) -> str:
    data = {
        "jurisdiction_id": code,
        "api_key": key,
        "service_code": service,
        "lat": lat,
        "long": lon,
        "description": "Reported by e-mail",
        **extra,
    }
    res = client.post("/open311/v2/requests.json", data=data)
    assert res.status_code == 201, res.get_data(as_text=True)
    return str(res.json[0]["service_request_id"])


def someone(client: FlaskClient, open311_keys: dict, survey: int | None = None) -> Person:
    tag = uuid.uuid4().hex[:8]
    digits = f"{random.randrange(10**8):08d}"
    phone = f"+48 6{digits[:2]} {digits[2:5]} {digits[5:]}"
    me = Person(tag=tag, email=f"Olena.K-{tag}@Example.com", phone=phone, app=Resident(client, "uk"))
    lamp = {"attribute[problem]": "off"}
    me.krakow.append(
        open311(
            client,
            open311_keys[KRAKOW],
            KRAKOW,
            "50.0612",
            "19.9380",
            "street_light",
            **lamp,
            email=me.email,
            first_name="Olena",
            last_name="Kowalenko",
            phone=phone,
        )
    )
    me.krakow.append(
        open311(
            client, open311_keys[KRAKOW], KRAKOW, "50.0615", "19.9385", "street_light", **lamp, email=me.email.lower()
        )
    )
    assert me.app.post("/api/v1/me/places", {"label": "home", "lat": 50.0614, "lon": 19.9372}).status_code == 201
    mine = me.app.report(contact={"email": me.email.lower(), "name": "Olena K."}, description=f"Dziura {tag}")
    me.krakow.append(mine["public_id"])
    other = Resident(client).report(description=f"Someone else's hole {tag}")
    assert me.app.post(f"/api/v1/reports/{other['id']}/supports").status_code in (200, 201)
    me.supported = other["id"]
    if survey is not None:
        answered = me.app.post(f"/api/v1/surveys/{survey}/responses", {"answers": {"q1": 4, "note": f"Olena {tag}"}})
        assert answered.status_code == 201, answered.json
    me.powiat = open311(client, open311_keys[POWIAT], POWIAT, "50.2", "20.1", "road_sign", email=me.email)
    for public_id in [*me.krakow, me.powiat]:
        me.ids[public_id] = int(client.get(f"/api/v1/reports/{public_id}").json["id"])
    return me


def asked_is_it_fixed(app: Flask, client: FlaskClient, staff: dict, me: Person) -> str:
    """The person's app report resolved and its "Is it fixed?" question sent; returns its public id."""
    public_id = me.krakow[2]
    report_id = me.ids[public_id]
    etag = client.get(f"/api/admin/reports/{report_id}", headers=staff["dispatcher"]).headers["ETag"]
    resolved = client.post(
        f"/api/admin/reports/{report_id}/status",
        json={"status": "resolved"},
        headers={**staff["dispatcher"], "If-Match": etag},
    )
    assert resolved.status_code == 200, resolved.json
    with app.app_context():
        with unit_of_work() as s:  # the delay before asking has passed
            s.execute(
                update(FeedbackRequest)
                .where(FeedbackRequest.report_id == report_id)
                .values(due_at=utcnow() - timedelta(minutes=1))
            )
        assert feedback_requests.send_due() >= 1
    return public_id


def contact_shown(client: FlaskClient, headers: dict, report_id: int) -> Any:
    res = client.get(f"/api/admin/reports/{report_id}", headers=headers)
    assert res.status_code == 200, res.json
    return res.json["contact"]


def audit_entries(client: FlaskClient, headers: dict, action: str) -> list[dict[str, Any]]:
    res = client.get("/api/admin/audit", query_string={"limit": 500}, headers=headers)
    assert res.status_code == 200, res.json
    return [e for e in res.json if e["action"] == action]


def test_an_admin_finds_a_person_by_the_e_mail_or_phone_they_gave_and_exports_what_is_held(
    client: FlaskClient, staff: dict, open311_keys: dict, survey: int, db: Session
) -> None:
    me = someone(client, open311_keys, survey)
    res = client.post(EXPORT, json={"email": me.email.upper()}, headers=staff["admin"])  # capitals do not matter
    assert res.status_code == 200, res.json
    held = res.json
    assert held["jurisdiction"] == KRAKOW
    assert {r["email"].lower() for r in held["records"]} == {me.email.lower()}
    assert len(held["records"]) == 3  # two Open311 requests and the app, each left the address
    assert sorted(str(r["name"]) for r in held["records"]) == ["None", "Olena K.", "Olena Kowalenko"]
    assert sorted(r["public_id"] for r in held["reports"]) == sorted(me.krakow)  # not the powiat's request
    assert me.powiat not in json.dumps(held)
    assert [d["platform"] for d in held["devices"]] == ["android"] and held["devices"][0]["locale"] == "uk"
    assert [p["label"] for p in held["places"]] == ["home"]
    assert [s["report_id"] for s in held["supports"]] == [me.supported]
    assert [a["answers"] for a in held["survey_answers"]] == [
        [
            {"question": "q1", "number": 4, "choices": None, "text": None, "dont_know": False},
            {"question": "note", "number": None, "choices": None, "text": f"Olena {me.tag}", "dont_know": False},
        ]
    ]
    for when in [r["created_at"] for r in held["records"]] + [r["requested_at"] for r in held["reports"]]:
        assert ISO.match(when), when  # ISO 8601 with the offset, as everywhere else

    by_phone = client.post(EXPORT, json={"phone": re.sub(r"\s", "", me.phone)}, headers=staff["admin"])
    assert by_phone.status_code == 200, by_phone.json
    assert [r["phone"] for r in by_phone.json["records"]] == [me.phone]  # only the request that gave the phone
    assert [r["public_id"] for r in by_phone.json["reports"]] == [me.krakow[0]]

    exported = audit_entries(client, staff["admin"], "personal_data.export")
    records = {r["id"] for r in held["records"]}
    assert records <= {e["target_id"] for e in exported if e["target_type"] == "resident"}
    mine = [e for e in exported if e["target_id"] in records]
    assert len(mine) == 4  # three records found by e-mail, one by phone: who, when, which record
    text = json.dumps(mine)
    assert "@" not in text and "Olena" not in text and me.tag not in text and me.phone[-3:] not in text
    assert {e["after"]["reports"] for e in mine} == {1}


def test_another_municipality_other_roles_and_api_keys_can_neither_find_nor_erase(
    client: FlaskClient, staff: dict, open311_keys: dict
) -> None:
    me = someone(client, open311_keys)
    body = {"email": me.email}
    nobody = client.post(EXPORT, json={"email": f"nobody-{uuid.uuid4().hex[:6]}@example.com"}, headers=staff["admin"])
    assert nobody.status_code == 404
    for path in (EXPORT, ERASE):  # the phone was given only in Kraków: the powiat cannot tell it from nobody's
        foreign = client.post(path, json={"phone": me.phone}, headers=staff["foreign_admin"])
        assert foreign.status_code == 404 and foreign.json == nobody.json
        for role in ("manager", "dispatcher", "viewer", "key"):
            refused = client.post(path, json=body, headers=staff[role])
            assert refused.status_code == 403, (path, role, refused.json)
            assert me.email.lower() not in refused.get_data(as_text=True).lower()
        assert client.post(path, json=body).status_code == 401
    powiat = client.post(EXPORT, json=body, headers=staff["foreign_admin"])  # the powiat's own record only
    assert powiat.status_code == 200 and [r["public_id"] for r in powiat.json["reports"]] == [me.powiat]
    assert not set(me.krakow) & set(json.dumps(powiat.json).split('"'))
    erased = client.post(ERASE, json=body, headers=staff["foreign_admin"])  # and erases that one only
    assert erased.status_code == 200 and erased.json["records"] == 1 and erased.json["reports"] == 1
    assert contact_shown(client, staff["foreign_admin"], me.ids[me.powiat]) is None
    still = client.post(EXPORT, json=body, headers=staff["admin"])
    assert still.status_code == 200 and len(still.json["records"]) == 3  # nothing was erased
    assert contact_shown(client, staff["dispatcher"], me.ids[me.krakow[0]])["email"] == me.email


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        ({}, "email"),
        ({"email": "", "phone": ""}, "email"),
        ({"email": "olena.example.com"}, "email"),
        ({"email": "o" * 300 + "@example.com"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "+48 " + "1" * 60}, "phone"),
        ({"email": ["a@example.com"]}, "email"),
        ({"email": "a@example.com", "name": "Olena"}, "name"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client: FlaskClient, staff: dict, body: dict, field_name: str) -> None:
    for path in (EXPORT, ERASE):
        res = client.post(path, json=body, headers=staff["admin"])
        assert res.status_code == 422, (path, body, res.json)
        errors = res.json.get("errors", {}).get("json", {})
        assert field_name in errors or field_name in res.json["message"].lower(), res.json


def test_erasure_deletes_the_contact_app_places_and_supports_and_the_reports_stay_without_it(
    app: Flask, client: FlaskClient, staff: dict, open311_keys: dict, survey: int, db: Session
) -> None:
    me = someone(client, open311_keys, survey)
    bystander = someone(client, open311_keys)
    fixed = asked_is_it_fixed(app, client, staff, me)
    assert (
        me.app.post(f"/api/v1/reports/{fixed}/feedback", {"fixed": True, "comment": f"Olena {me.tag}"}).status_code
        == 201
    )
    own = me.app.get("/api/v1/me/export").json  # what the app itself can download, survey answers included
    assert [a["survey"] for a in own["survey_answers"]] and [f["comment"] for f in own["feedback"]] == [
        f"Olena {me.tag}"
    ]
    held = client.post(EXPORT, json={"email": me.email}, headers=staff["admin"]).json
    assert [(f["public_id"], f["fixed"], f["comment"]) for f in held["feedback"]] == [(fixed, True, f"Olena {me.tag}")]
    records = [r["id"] for r in held["records"]]
    pseudonym = db.scalar(select(FeedbackAnswer.respondent_hash).where(FeedbackAnswer.report_id == me.ids[fixed]))
    before = client.get(f"/api/v1/reports/{me.supported}").json["support_count"]
    answered = db.scalars(select(SurveyResponse.respondent_hash).where(SurveyResponse.survey_id == survey)).all()

    res = client.post(ERASE, json={"email": me.email.upper()}, headers=staff["admin"])
    assert res.status_code == 200, res.json
    assert res.json == {"records": 3, "devices": 1, "supports": 1, "reports": 3, "kept": 0, "notice": None}
    for public_id in me.krakow:  # the reports stay, public, but staff no longer see who reported them
        assert client.get(f"/api/v1/reports/{public_id}").status_code == 200
        assert contact_shown(client, staff["admin"], me.ids[public_id]) is None
    assert client.get(f"/api/v1/reports/{me.supported}").json["support_count"] == before - 1
    assert me.app.get("/api/v1/me/export").status_code == 401  # the app install is gone with its token
    db.expire_all()
    assert db.scalars(select(ResidentRecord).where(ResidentRecord.id.in_(records))).all() == []
    after = db.scalars(select(SurveyResponse.respondent_hash).where(SurveyResponse.survey_id == survey)).all()
    assert len(after) == len(answered) and after.count(None) == answered.count(None) + 1  # kept, unlinked
    kept = db.scalars(select(FeedbackAnswer).where(FeedbackAnswer.report_id == me.ids[fixed])).all()
    assert [a.comment for a in kept] == [f"Olena {me.tag}"] and kept[0].respondent_hash != pseudonym  # unlinked
    again = client.post(EXPORT, json={"email": me.email}, headers=staff["admin"])
    assert again.status_code == 404
    powiat = client.post(EXPORT, json={"email": me.email}, headers=staff["foreign_admin"])
    assert powiat.status_code == 200 and len(powiat.json["records"]) == 1  # the powiat's record is the powiat's
    assert contact_shown(client, staff["admin"], bystander.ids[bystander.krakow[0]])["email"] == bystander.email

    erased = [e for e in audit_entries(client, staff["admin"], "personal_data.erase") if e["target_id"] in records]
    assert sorted(e["target_id"] for e in erased) == sorted(records)
    assert all(e["target_type"] == "resident" and e["after"] == {"reports": 1, "elsewhere": False} for e in erased)
    assert "@" not in json.dumps(erased)
    assert client.post(ERASE, json={"email": me.email}, headers=staff["admin"]).status_code == 404  # nobody left


@dataclass
class Commuter:
    """An app install with a saved place in Kraków (so set to Kraków) that supported a Kraków report and reported
    in Kraków and in the powiat: one resident record for the contact data given with both reports."""

    app: Resident
    email: str
    phone: str
    krakow: dict[str, Any]
    powiat: dict[str, Any]
    supported: int


def commuter(client: FlaskClient, contact_in_krakow: bool = True) -> Commuter:
    tag = uuid.uuid4().hex[:8]
    email, phone = f"commuter-{tag}@example.com", f"+48 6{random.randrange(10**8):08d}"
    app = Resident(client, "pl")
    assert app.post("/api/v1/me/places", {"label": "home", "lat": 50.0614, "lon": 19.9372}).status_code == 201
    krakow = app.report(description=f"Kraków {tag}", **({"contact": {"email": email}} if contact_in_krakow else {}))
    other = Resident(client).report(description=f"Someone else's {tag}")
    assert app.post(f"/api/v1/reports/{other['id']}/supports").status_code in (200, 201)
    powiat = app.post(
        "/api/v1/reports",
        {
            "service_code": "road_sign",
            "description": f"Powiat {tag}",
            "lat": 50.2,
            "lon": 20.1,
            "contact": {"email": email, "phone": phone},
        },
    )
    assert powiat.status_code == 201, powiat.json
    return Commuter(app, email, phone, krakow, dict(powiat.json), other["id"])


ELSEWHERE = "ma dane także w innej gminie"  # the staff read Polish: "also has data with another municipality"


def test_each_municipality_sees_and_erases_only_its_part_of_an_app_user_who_reported_in_both(
    client: FlaskClient, staff: dict, db: Session
) -> None:
    me = commuter(client)
    body = {"email": me.email}
    powiat = client.post(EXPORT, json=body, headers=staff["foreign_admin"])
    assert powiat.status_code == 200, powiat.json
    assert [r["public_id"] for r in powiat.json["reports"]] == [me.powiat["public_id"]]
    assert me.krakow["public_id"] not in json.dumps(powiat.json)  # Kraków's report is Kraków's
    assert powiat.json["devices"] == [] and powiat.json["places"] == [] and powiat.json["supports"] == []
    krakow = client.post(EXPORT, json=body, headers=staff["admin"])
    assert [r["public_id"] for r in krakow.json["reports"]] == [me.krakow["public_id"]]  # and the powiat's, its own
    assert me.powiat["public_id"] not in json.dumps(krakow.json)
    assert [d["platform"] for d in krakow.json["devices"]] == ["android"]
    assert [p["label"] for p in krakow.json["places"]] == ["home"]
    assert [x["report_id"] for x in krakow.json["supports"]] == [me.supported]
    record = krakow.json["records"][0]["id"]

    erased = client.post(ERASE, json=body, headers=staff["foreign_admin"])  # the powiat erases its part only
    assert erased.status_code == 200, erased.json
    answer = dict(erased.json)
    notice = answer.pop("notice")
    assert answer == {"records": 0, "devices": 0, "supports": 0, "reports": 1, "kept": 1}
    assert ELSEWHERE in notice and not re.search(r"Krak|1261011", notice)  # in words, naming no municipality
    assert contact_shown(client, staff["foreign_admin"], me.powiat["id"]) is None
    own = me.app.get("/api/v1/me/export")  # the app works on, with Kraków's report and place
    assert own.status_code == 200
    assert [r["public_id"] for r in own.json["reports"]] == [me.krakow["public_id"]]
    assert [p["label"] for p in own.json["places"]] == ["home"] and len(own.json["supports"]) == 1
    assert contact_shown(client, staff["dispatcher"], me.krakow["id"])["email"] == me.email
    assert [e for e in audit_entries(client, staff["admin"], "personal_data.erase") if e["target_id"] == record] == []
    logged = [
        e for e in audit_entries(client, staff["foreign_admin"], "personal_data.erase") if e["target_id"] == record
    ]
    assert [e["after"] for e in logged] == [{"reports": 1, "elsewhere": True}]

    again = client.post(EXPORT, json=body, headers=staff["admin"])
    assert [r["public_id"] for r in again.json["reports"]] == [me.krakow["public_id"]]
    assert client.post(EXPORT, json=body, headers=staff["foreign_admin"]).status_code == 404
    last = client.post(ERASE, json=body, headers=staff["admin"])  # now nobody else holds anything: all goes
    assert last.json == {"records": 1, "devices": 1, "supports": 1, "reports": 1, "kept": 0, "notice": None}
    assert me.app.get("/api/v1/me/export").status_code == 401
    db.expire_all()
    assert db.get(ResidentRecord, record) is None


def test_kraków_erasing_first_leaves_the_powiat_s_report_its_contact_and_the_app(
    client: FlaskClient, staff: dict, db: Session
) -> None:
    me = commuter(client)
    body = {"email": me.email}
    before = client.get(f"/api/v1/reports/{me.supported}").json["support_count"]
    erased = client.post(ERASE, json=body, headers=staff["admin"])
    assert erased.status_code == 200, erased.json
    own = me.app.get("/api/v1/me/export")  # Kraków's report, place and support are no longer the app's
    assert own.status_code == 200
    assert [r["public_id"] for r in own.json["reports"]] == [me.powiat["public_id"]]
    assert own.json["places"] == [] and own.json["supports"] == []
    assert own.json["contact"]["email"] == me.email  # the powiat's report still carries it
    assert contact_shown(client, staff["admin"], me.krakow["id"]) is None
    assert client.get(f"/api/v1/reports/{me.supported}").json["support_count"] == before - 1
    answer = dict(erased.json)
    assert ELSEWHERE in answer.pop("notice")
    assert answer == {"records": 0, "devices": 0, "supports": 1, "reports": 1, "kept": 1}
    assert client.post(EXPORT, json=body, headers=staff["admin"]).status_code == 404
    powiat = client.post(EXPORT, json=body, headers=staff["foreign_admin"])
    assert [r["public_id"] for r in powiat.json["reports"]] == [me.powiat["public_id"]]
    assert contact_shown(client, staff["foreign_admin"], me.powiat["id"])["phone"] == me.phone

    last = client.post(ERASE, json=body, headers=staff["foreign_admin"])  # the install is set to no other any more
    assert last.json == {"records": 1, "devices": 1, "supports": 0, "reports": 1, "kept": 0, "notice": None}
    assert me.app.get("/api/v1/me/export").status_code == 401


def test_contact_given_only_to_the_powiat_is_not_found_by_kraków_though_the_app_reported_there(
    client: FlaskClient, staff: dict, db: Session
) -> None:
    me = commuter(client, contact_in_krakow=False)
    for body in ({"email": me.email}, {"phone": me.phone}):
        for path in (EXPORT, ERASE):
            res = client.post(path, json=body, headers=staff["admin"])
            assert res.status_code == 404, (path, body, res.json)
    powiat = client.post(EXPORT, json={"phone": me.phone}, headers=staff["foreign_admin"])
    assert [(r["email"], r["phone"]) for r in powiat.json["records"]] == [(me.email, me.phone)]
    assert powiat.json["devices"] == []  # the install is set to Kraków
    record = powiat.json["records"][0]["id"]
    erased = client.post(ERASE, json={"phone": me.phone}, headers=staff["foreign_admin"])
    answer = dict(erased.json)
    assert ELSEWHERE in answer.pop("notice")
    assert answer == {"records": 1, "devices": 0, "supports": 0, "reports": 1, "kept": 1}
    db.expire_all()
    kept = db.get(ResidentRecord, record)  # the install keeps its record, without the contact data
    assert kept is not None and (kept.name, kept.email, kept.phone) == (None, None, None)
    own = me.app.get("/api/v1/me/export")
    assert own.status_code == 200 and [r["public_id"] for r in own.json["reports"]] == [me.krakow["public_id"]]


@pytest.mark.parametrize(
    "shape", ["jan{tag}.@x.pl", "jan..kowal{tag}@x.pl", "jan{tag}@mail_server.pl", "jan{tag}@x.pl.", "a{tag}@b.c"]
)
def test_any_address_open311_takes_is_found_also_with_spaces_around_it(
    client: FlaskClient, staff: dict, open311_keys: dict, shape: str
) -> None:
    email = shape.format(tag=uuid.uuid4().hex[:6])
    open311(
        client,
        open311_keys[KRAKOW],
        KRAKOW,
        "50.0612",
        "19.9380",
        "street_light",
        email=email,
        **{"attribute[problem]": "off"},
    )
    for path in (EXPORT, ERASE):
        res = client.post(path, json={"email": f"  {email.upper()} "}, headers=staff["admin"])
        assert res.status_code == 200, (path, email, res.json)
    assert client.post(EXPORT, json={"email": email}, headers=staff["admin"]).status_code == 404  # erased


def test_a_phone_number_is_found_however_it_is_written(client: FlaskClient, staff: dict, open311_keys: dict) -> None:
    number = f"6{random.randrange(10**8):08d}"
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    lamp = {"attribute[problem]": "off"}
    given = [f"0048 {spaced}", f"+48-{number}", spaced]  # three Open311 requests, the number written three ways
    ids = [
        open311(client, open311_keys[KRAKOW], KRAKOW, "50.0612", "19.9380", "street_light", phone=p, **lamp)
        for p in given
    ]
    for asked in (
        f"+48{number}",
        f"0048{number}",
        number,
        f"+48 ({number[:3]}) {number[3:6]}-{number[6:]}",
        f" {spaced} ",
    ):
        res = client.post(EXPORT, json={"phone": asked}, headers=staff["admin"])
        assert res.status_code == 200, (asked, res.json)
        assert sorted(r["phone"] for r in res.json["records"]) == sorted(given), asked
        assert sorted(r["public_id"] for r in res.json["reports"]) == sorted(ids), asked
    for other in (f"+380{number}", f"+48{number[:-1]}"):  # another country's number, a digit short
        assert client.post(EXPORT, json={"phone": other}, headers=staff["admin"]).status_code == 404, other
    erased = client.post(ERASE, json={"phone": f"+48{number}"}, headers=staff["admin"])
    assert erased.status_code == 200 and erased.json["records"] == 3
