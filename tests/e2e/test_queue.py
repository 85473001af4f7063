"""The staff queue: filters, full text in Polish and Ukrainian without dictionaries, sorting, pages, counts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask

from backend.staff import create_staff
from tests.e2e.conftest import Resident
from tests.e2e.test_triage import Desk

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def world(app: Flask, cities: dict) -> dict[str, Any]:
    client = app.test_client()
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        create_staff(email=f"q-{tag}@krakow.example", password=PASSWORD, role="dispatcher",
                     jurisdiction_code="1261011")
        create_staff(email=f"qd-{tag}@krakow.example", password=PASSWORD, role="department_staff",
                     jurisdiction_code="1261011", department_code="mpo")
    heads = {}
    for who in ("q", "qd"):
        res = client.post("/api/admin/tokens", json={"email": f"{who}-{tag}@krakow.example", "password": PASSWORD})
        heads[who] = {"Authorization": f"Bearer {res.json['token']}"}
    me = Resident(client)
    made = {
        "hole": me.report(description=f"Ogromna dziura przy przystanku Łagiewniki {tag}"),
        "lamp": me.report(service_code="street_light", answers={"problem": "off"},
                          description=f"Ліхтар не світить біля школи {tag}"),
        "bin": me.report(service_code="overflowing_bin", answers={}, description=f"Kosz pełny {tag}"),
    }
    Desk(client, heads["q"], made["lamp"]["id"]).act("status", {"status": "in_progress"})
    Desk(client, heads["q"], made["hole"]["id"]).act("priority", {"priority": "urgent"})
    return {"client": client, "heads": heads, "made": made, "tag": tag}


def ids(res: Any) -> set[int]:
    assert res.status_code == 200, res.json
    return {item["id"] for item in res.json["items"]}


def q(world: dict, who: str = "q", **params: Any) -> Any:
    return world["client"].get("/api/admin/reports", query_string=params, headers=world["heads"][who])


def test_full_text_finds_words_without_diacritics_partial_words_and_cyrillic(world: dict) -> None:
    made, tag = world["made"], world["tag"]
    assert ids(q(world, q=f"dziura {tag}")) == {made["hole"]["id"]}
    assert made["hole"]["id"] in ids(q(world, q="lagiewniki"))  # no diacritics
    assert made["hole"]["id"] in ids(q(world, q="przystan"))  # a partial word
    assert made["lamp"]["id"] in ids(q(world, q="світить"))
    assert made["bin"]["id"] in ids(q(world, q=made["bin"]["public_id"]))


def test_filters_and_counts_for_the_same_filters(world: dict) -> None:
    made, tag = world["made"], world["tag"]
    res = q(world, q=tag)
    assert ids(res) == {m["id"] for m in made.values()}
    assert res.json["counts"] == {"submitted": 2, "in_progress": 1}
    only = q(world, q=tag, status="in_progress")
    assert ids(only) == {made["lamp"]["id"]} and only.json["counts"] == res.json["counts"]
    assert ids(q(world, q=tag, service="overflowing_bin")) == {made["bin"]["id"]}
    assert ids(q(world, q=tag, department="zdmk")) == {made["hole"]["id"], made["lamp"]["id"]}
    assert ids(q(world, q=tag, priority="urgent")) == {made["hole"]["id"]}
    assert ids(q(world, q=tag, area="I")) == {m["id"] for m in made.values()}
    assert ids(q(world, q=tag, overdue="true")) == set()
    assert ids(q(world, "qd", q=tag)) == {made["bin"]["id"]}  # department staff see their department


def test_sorting_and_cursor_pages_cover_everything_once(world: dict) -> None:
    for sort in ("newest", "oldest", "due", "updated"):
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"sort": sort, "limit": 7, **({"cursor": cursor} if cursor else {})}
            res = q(world, **params)
            seen += [i["id"] for i in res.json["items"]]
            cursor = res.json["next_cursor"]
            if not cursor:
                break
        total = sum(q(world).json["counts"].values())
        assert len(seen) == len(set(seen)) == total, sort


def test_bad_queue_queries_are_422(world: dict) -> None:
    for params in ({"sort": "random"}, {"limit": 0}, {"cursor": "!!"}, {"since": "yesterday"}):
        assert q(world, **params).status_code == 422, params


def test_counts_from_the_facet_table_equal_a_scan_of_the_reports(world: dict, app: Flask) -> None:
    from sqlalchemy import func, select

    from backend.db import session
    from backend.models import StaffUser
    from backend.triage.queue import _filtered, status_counts

    with app.app_context():
        staff = session().scalars(select(StaffUser).where(StaffUser.email == f"q-{world['tag']}@krakow.example")).one()
        for f in ({}, {"service": ["pothole"]}, {"department": ["zdmk", "mpo"]}, {"priority": ["urgent"]},
                  {"area": ["I"], "hidden": False}, {"status": ["in_progress"], "service": ["street_light"]}):
            base = _filtered(staff, f, with_status=False).subquery()
            grouped = select(base.c.status, func.count()).group_by(base.c.status)
            scanned = {r[0]: r[1] for r in session().execute(grouped)}
            assert status_counts(staff, f) == scanned, f


def test_overdue_counts_per_department(world: dict, app: Flask) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from backend.db import unit_of_work
    from backend.models import Report, utcnow

    before = world["client"].get("/api/admin/reports/overdue", headers=world["heads"]["q"]).json["by_department"]
    with app.app_context(), unit_of_work() as s:
        s.execute(update(Report).where(Report.id == world["made"]["bin"]["id"])
                  .values(sla_due_at=utcnow() - timedelta(hours=1)))
    after = world["client"].get("/api/admin/reports/overdue", headers=world["heads"]["q"]).json["by_department"]
    assert after.get("mpo", 0) == before.get("mpo", 0) + 1
    assert world["made"]["bin"]["id"] in ids(q(world, q=world["tag"], overdue="true"))


def test_search_counts_are_exact_up_to_the_cap_and_lower_bounds_above_it(world: dict, monkeypatch: Any) -> None:
    from backend.triage import queue

    made, tag = world["made"], world["tag"]
    res = q(world, q=tag)
    assert res.json["counts"] == {"submitted": 2, "in_progress": 1} and res.json["counts_exact"] is True
    monkeypatch.setattr(queue, "COUNT_CAP", 1)  # two of the three reports are counted, then the count stops
    res = q(world, q=tag)
    assert res.json["counts_exact"] is False
    assert sum(res.json["counts"].values()) == 2
    assert all(res.json["counts"][k] <= v for k, v in {"submitted": 2, "in_progress": 1}.items()
               if k in res.json["counts"])
    assert ids(res) == {m["id"] for m in made.values()}  # the page itself is never capped
    assert q(world, service="pothole").json["counts_exact"] is True  # facet counts are always exact


def test_percent_and_underscore_in_a_search_are_plain_characters(world: dict) -> None:
    tag, hole = world["tag"], world["made"]["hole"]["id"]
    assert hole in ids(q(world, q=f"przystank {tag}"))  # "przystanku Łagiewniki <tag>": a partial word
    # As wildcards, these would match the same report; as the plain characters they are, nothing does.
    assert ids(q(world, q=f"przystank% {tag}")) == set()
    assert ids(q(world, q=f"Łagiewnik_ {tag}")) == set()
    assert hole in ids(q(world, q=f"Łagiewniki {tag}"))
