"""Quality indicators recomputed independently from real data: Boston's 2015 service requests imported with
`hromada import-requests` (the on-time share and median time to close per service and month equal the CSV's),
the Kansas City survey (means, top-2-box, population weighting and Kish n), traffic lights at their edges,
small-cell suppression, the feed (CSV = JSON, ETag, keys and their scope and jurisdiction), open data, and the
incremental refresh after a new report."""

from __future__ import annotations

import csv
import gzip
import io
import json
import statistics
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import text

from backend.indicators import status_of
from backend.staff import create_api_key, create_staff
from tests.conftest import ROOT, SHARED_DATA
from tests.e2e.conftest import TOTP_SECRET, Resident, sign_in_body
from tests.integration.test_load_city import run_cli
from tests.support.indicators import post_stratified
from tests.support.waiting import eventually

BOSTON_CSV = SHARED_DATA / "open311" / "boston311_2015.csv.gz"
BOSTON_JSON = SHARED_DATA / "open311" / "boston311_2015_sample5000_georeport_v2.json"
BOSTON = ROOT / "tests" / "fixtures" / "boston"
KC_CSV = SHARED_DATA / "surveys" / "kcmo_resident_survey_2021q3.csv"
KC_SURVEY = ROOT / "tests" / "data" / "kcmo_survey.yaml"
NEW_YORK = ZoneInfo("America/New_York")
PASSWORD = "correct horse battery staple"


def token(app: Flask, jurisdiction: str, role: str) -> dict[str, str]:
    email = f"ind-{role}-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role=role, jurisdiction_code=jurisdiction,
                     totp_secret=TOTP_SECRET if role == "admin" else None)
    got = app.test_client().post("/api/admin/tokens", json=sign_in_body(app, email))
    return {"Authorization": f"Bearer {got.json['token']}"}


def feed(app: Flask, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    """Every page of the staff feed for a query."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        got = app.test_client().get("/api/admin/indicator-values", query_string={**query, "page": page,
                                                                                 "per_page": 5000}, headers=headers)
        assert got.status_code == 200, got.json
        items += got.json["items"]
        if len(items) >= got.json["total"]:
            return items
        page += 1


def parse(value: str) -> datetime | None:
    """A Boston wall time as an instant (in UTC: Python subtracts two times of one zone as wall times, which is
    an hour off across a change of summer time)."""
    if not value:
        return None
    return datetime.strptime(value, "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=NEW_YORK).astimezone(UTC)


@pytest.fixture(scope="module")
def boston(app: Flask, cities: dict) -> dict[str, Any]:
    """The Boston test municipality with its 2015 requests imported, its test catalogue, values for 2015."""
    assert run_cli(app, "load-city", str(BOSTON)).exit_code == 0
    first = run_cli(app, "import-requests", "US-BOS", str(BOSTON_CSV))
    again = run_cli(app, "import-requests", "US-BOS", str(BOSTON_CSV))
    georeport = run_cli(app, "import-requests", "US-BOS", str(BOSTON_JSON))
    loaded = run_cli(app, "load-indicators", "US-BOS", str(BOSTON / "indicators.yaml"))
    computed = run_cli(app, "compute-indicators", "US-BOS", "--from", "2015-01", "--to", "2015-12")
    for result in (first, again, georeport, loaded, computed):
        assert result.exit_code == 0, result.output
    admin = token(app, "US-BOS", "admin")
    with app.app_context():
        from backend.db import session

        names = dict(session().execute(text(
            "SELECT s.name->>'en', s.code FROM services s JOIN jurisdictions j ON j.id = s.jurisdiction_id "
            "WHERE j.code = 'US-BOS'")).all())
        session().rollback()
    return {"first": first.output, "again": again.output, "georeport": georeport.output, "admin": admin,
            "viewer": token(app, "US-BOS", "viewer"), "service_of": names}


def boston_rows() -> list[dict[str, Any]]:
    """The CSV's requests read by the README's rules: times in America/New_York; a request closing before it
    opens is rejected."""
    rows = []
    with gzip.open(BOSTON_CSV, "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            opened, due, closed = parse(row["OPEN_DT"]), parse(row["TARGET_DT"]), parse(row["CLOSED_DT"])
            rows.append({"type": row["TYPE"], "opened": opened, "due": due, "closed": closed,
                         "ref": row["CASE_ENQUIRY_ID"]})
    return rows


def test_the_import_counts_what_it_imported_already_had_and_rejected(app: Flask, boston: dict) -> None:
    rows = boston_rows()
    rejected = sum(1 for r in rows if r["closed"] and r["closed"] < r["opened"])
    imported = len({r["ref"] for r in rows if not (r["closed"] and r["closed"] < r["opened"])})
    assert f"read {len(rows)}, imported {imported}, already imported 0, rejected {rejected}" in boston["first"]
    assert f"rejected {rejected}: closes before it opens" in boston["first"]
    assert "services created (flagged as imported" in boston["first"]
    assert f"imported 0, already imported {imported}, rejected {rejected}" in boston["again"]
    sample = json.loads(BOSTON_JSON.read_text())
    backwards = sum(1 for r in sample if r["status"] == "closed"
                    and datetime.fromisoformat(r["updated_datetime"]) < datetime.fromisoformat(r["requested_datetime"]))
    assert f"read {len(sample)}, imported 0, already imported {len(sample) - backwards}" in boston["georeport"]
    with app.app_context():
        from backend.db import session

        flags = session().execute(text(
            "SELECT bool_and(s.imported), bool_or(s.active), count(*) FROM services s JOIN jurisdictions j "
            "ON j.id = s.jurisdiction_id WHERE j.code = 'US-BOS' AND s.code <> 'other'")).one()
        local = session().execute(text(
            "SELECT r.requested_at FROM reports r WHERE r.import_ref = '101001242404'")).scalar_one()
        session().rollback()
    assert flags[0] is True and flags[1] is False and flags[2] > 100  # imported types are not offered to residents
    assert local == datetime(2015, 1, 5, 12, 40, 41, tzinfo=NEW_YORK)  # 12:40 in Boston is 17:40 UTC
    catalogue = app.test_client().get("/api/v1/services", query_string={"lat": 42.35, "lon": -71.06})
    assert all(s["service_code"] != "abandoned_bicycle" for s in (catalogue.json or {}).get("items", []))


def test_on_time_share_and_median_hours_per_service_and_month_equal_the_csv(app: Flask, boston: dict) -> None:
    now = datetime.now(UTC)
    on_time: dict[tuple[str | None, str], list[int]] = defaultdict(list)
    hours: dict[tuple[str | None, str], list[float]] = defaultdict(list)
    for r in boston_rows():
        if r["closed"] and r["closed"] < r["opened"]:
            continue
        month = r["opened"].astimezone(NEW_YORK).strftime("%Y-%m")
        code = boston["service_of"][r["type"]]
        for cell in ((code, month), (None, month)):
            if r["due"] is not None and (r["closed"] is not None or r["due"] <= now):
                on_time[cell].append(int(r["closed"] is not None and r["closed"] <= r["due"]))
            if r["closed"] is not None:
                hours[cell].append((r["closed"] - r["opened"]).total_seconds() / 3600)
    for indicator, expected in (("bos-sla-on-time", on_time), ("bos-resolve-median-h", hours)):
        got = {(i["service"], i["period"]): i for i in feed(app, boston["viewer"], indicator=indicator, area="total",
                                                              **{"from": "2015-01", "to": "2015-12"})}
        assert set(got) == set(expected)
        shown = 0
        for cell, observations in expected.items():
            item = got[cell]
            assert item["n"] == len(observations), cell
            if len(observations) < 5:
                assert item["suppressed"] and item["value"] is None and item["status"] == "suppressed"
                continue
            want = (100 * sum(observations) / len(observations) if indicator == "bos-sla-on-time"
                    else statistics.median(observations))
            assert item["value"] == pytest.approx(want, rel=1e-9, abs=1e-9), cell
            shown += 1
        assert shown > 300
    # the one area of the test municipality carries the same values as its total
    area = feed(app, boston["viewer"], indicator="bos-sla-on-time", area="BOS", service="total", period="2015-06")
    total = feed(app, boston["viewer"], indicator="bos-sla-on-time", area="total", service="total", period="2015-06")
    assert area[0]["value"] == total[0]["value"] and area[0]["n"] == total[0]["n"] > 5000


def test_the_feed_in_csv_equals_the_json_and_an_unchanged_feed_is_304(app: Flask, boston: dict) -> None:
    client = app.test_client()
    query = {"indicator": "bos-sla-on-time", "from": "2015-03", "to": "2015-04", "per_page": 150}
    as_json = client.get("/api/admin/indicator-values", query_string=query, headers=boston["viewer"])
    as_csv = client.get("/api/admin/indicator-values", query_string={**query, "format": "csv"},
                        headers=boston["viewer"])
    by_accept = client.get("/api/admin/indicator-values", query_string=query,
                           headers={**boston["viewer"], "Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv" and by_accept.data == as_csv.data
    lines = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    items = as_json.json["items"]
    assert len(lines) == len(items) == 150 and int(as_json.headers["X-Total"]) > 150
    for line, item in zip(lines, items, strict=True):
        assert set(line) == set(item)
        for key, value in item.items():
            expected = "" if value is None else ("true" if value is True else "false" if value is False
                                                 else repr(value) if isinstance(value, float) else str(value))
            assert line[key] == expected, key
    assert {i["suppressed"] for i in items} == {True, False}  # both kinds of cell went through the comparison
    etag = as_json.headers["ETag"]
    again = client.get("/api/admin/indicator-values", query_string=query,
                       headers={**boston["viewer"], "If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    other = client.get("/api/admin/indicator-values", query_string={**query, "to": "2015-05"},
                       headers={**boston["viewer"], "If-None-Match": etag})
    assert other.status_code == 200
    bad = client.get("/api/admin/indicator-values", query_string={"period": "2015-13"}, headers=boston["viewer"])
    assert bad.status_code == 422 and "period" in json.dumps(bad.json)
    wrong = client.get("/api/admin/indicator-values", query_string={"provenance": "guess"}, headers=boston["viewer"])
    assert wrong.status_code == 422 and "provenance" in json.dumps(wrong.json)


def test_keys_need_indicators_read_and_see_only_their_own_municipality(app: Flask, boston: dict) -> None:
    client = app.test_client()
    with app.app_context():
        _, reader = create_api_key(name="STRADOM feed", jurisdiction_code="US-BOS", scopes=["indicators:read"])
        _, triage = create_api_key(name="triage bot", jurisdiction_code="US-BOS", scopes=["reports:write"])
        _, krakow = create_api_key(name="Kraków feed", jurisdiction_code="1261011", scopes=["indicators:read"])
    ok = client.get("/api/admin/indicator-values", query_string={"indicator": "bos-sla-on-time", "period": "2015-06",
                                                                 "area": "total", "service": "total"},
                    headers={"X-API-Key": reader})
    assert ok.status_code == 200 and ok.json["items"][0]["n"] > 5000
    assert client.get("/api/admin/indicators", headers={"X-API-Key": reader}).status_code == 200
    assert client.get("/api/admin/indicator-values", headers={"X-API-Key": triage}).status_code == 403
    assert client.get("/api/admin/indicators", headers={"X-API-Key": triage}).status_code == 403
    assert client.patch("/api/admin/indicators/bos-sla-on-time", json={"green": 1},
                        headers={"X-API-Key": reader}).status_code == 403
    foreign = client.get("/api/admin/indicator-values", query_string={"indicator": "bos-sla-on-time"},
                         headers={"X-API-Key": krakow})
    # another municipality's indicator is unknown here, as one that exists nowhere: no values, nothing told
    assert foreign.status_code == 422 and foreign.json["errors"]["query"] == {
        "indicator": ["Unknown indicator: bos-sla-on-time."]}
    assert client.get("/api/admin/indicators/bos-sla-on-time", headers={"X-API-Key": krakow}).status_code == 404
    assert client.get("/api/admin/indicator-values").status_code == 401


def test_traffic_lights_change_exactly_at_the_thresholds(app: Flask, boston: dict) -> None:
    assert status_of(90.0, "higher", 90.0, 75.0) == "green"
    assert status_of(89.999, "higher", 90.0, 75.0) == "amber"
    assert status_of(75.0, "higher", 90.0, 75.0) == "amber"
    assert status_of(74.999, "higher", 90.0, 75.0) == "red"
    assert status_of(24.0, "lower", 24.0, 72.0) == "green"
    assert status_of(24.001, "lower", 24.0, 72.0) == "amber"
    assert status_of(72.0, "lower", 24.0, 72.0) == "amber"
    assert status_of(72.001, "lower", 24.0, 72.0) == "red"
    assert status_of(50.0, "higher", None, None) == "none"
    client = app.test_client()
    cell = {"indicator": "bos-sla-on-time", "period": "2015-06", "area": "total", "service": "total"}
    value = feed(app, boston["viewer"], **cell)[0]["value"]
    for green, amber, light in ((value, value - 10, "green"), (value + 1e-9, value, "amber"),
                                (value + 2, value + 1e-9, "red")):
        changed = client.patch("/api/admin/indicators/bos-sla-on-time", json={"green": green, "amber": amber},
                               headers=boston["admin"])
        assert changed.status_code == 200, changed.json
        assert feed(app, boston["viewer"], **cell)[0]["status"] == light
    wrong_side = client.patch("/api/admin/indicators/bos-sla-on-time", json={"green": 50, "amber": 60},
                              headers=boston["admin"])
    assert wrong_side.status_code == 422 and "amber" in json.dumps(wrong_side.json)
    assert client.patch("/api/admin/indicators/bos-sla-on-time", json={"green": 90},
                        headers=boston["viewer"]).status_code == 403
    unknown = client.post("/api/admin/indicators", headers=boston["admin"], json={
        "code": "bos-x", "name": {"en": "X"}, "unit": "%", "direction": "higher", "kind": "subjective",
        "computation": "survey_mean"})
    assert unknown.status_code == 422 and "tag" in json.dumps(unknown.json)
    assert client.patch("/api/admin/indicators/bos-sla-on-time", json={"green": 90, "amber": 75},
                        headers=boston["admin"]).status_code == 200


def test_small_cells_are_flagged_for_staff_and_absent_from_open_data(app: Flask, boston: dict) -> None:
    staff = feed(app, boston["viewer"], indicator="bos-resolve-median-h", **{"from": "2015-01", "to": "2015-12"})
    small = [i for i in staff if i["n"] < 5]
    assert small and all(i["suppressed"] and i["value"] is None and i["ci_low"] is None and i["numerator"] is None
                         for i in small)
    client = app.test_client()
    public = client.get("/api/v1/open-data/indicator-values", query_string={
        "jurisdiction": "boston-test", "indicator": "bos-resolve-median-h", "from": "2015-01", "to": "2015-12",
        "per_page": 10000})
    assert public.status_code == 200 and public.headers["Cache-Control"].startswith("public")
    assert public.json["total"] == len(staff) - len(small)
    assert all(i["n"] >= 5 and not i["suppressed"] and i["value"] is not None for i in public.json["items"])
    definitions = client.get("/api/v1/open-data/indicators", query_string={"jurisdiction": "US-BOS"}).json["items"]
    assert {d["code"] for d in definitions} == {"bos-sla-on-time", "bos-resolve-median-h"}
    assert all("owner" not in d for d in definitions)
    assert client.get("/api/v1/open-data/indicators", query_string={"jurisdiction": "atlantis"}).status_code == 404
    assert client.get("/api/v1/open-data/indicator-values").status_code == 422


def wait_for(app: Flask, headers: dict[str, str], query: dict[str, Any], seconds: float = 60) -> list[dict]:
    return eventually(lambda: feed(app, headers, **query), timeout=seconds, interval=0.3, what=f"values for {query}")


KC_INDICATORS = [
    {"code": "kc-mean", "computation": "survey_mean(dimension:overall)", "unit": "1-5"},
    {"code": "kc-top2", "computation": "survey_top2box(dimension:overall)", "unit": "%"},
]


def test_survey_indicators_equal_the_kansas_city_data_weighted_by_district_population(
        app: Flask, cities: dict, worker: Any, tmp_path: Path) -> None:
    from backend.surveys import import_survey

    admin = token(app, "1261011", "admin")
    key = f"kc-ind-{uuid.uuid4().hex[:6]}"
    spec = tmp_path / "kc.yaml"  # the 2021 Q3 fieldwork: its own quarter, away from the other tests' answers
    spec.write_text(KC_SURVEY.read_text().replace("key: kcmo-2021q3", f"key: {key}\nfielded_at: 2021-09-15"))
    with app.app_context():
        import_survey("1261011", spec, KC_CSV)
    client = app.test_client()
    suffix = uuid.uuid4().hex[:4]
    for ind in KC_INDICATORS:
        made = client.post("/api/admin/indicators", headers=admin, json={
            **ind, "code": f"{ind['code']}-{suffix}", "name": {"en": ind["code"]}, "direction": "higher",
            "kind": "subjective", "granularity": "quarter", "provenance": "representative", "green": 3.5})
        assert made.status_code == 201, made.json
    asked = client.post("/api/admin/indicators/recompute", headers=admin, json={
        "codes": [f"{i['code']}-{suffix}" for i in KC_INDICATORS], "from": "2021-07", "to": "2021-09"})
    assert asked.status_code == 202
    roman = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
    answers: dict[str, list[int]] = defaultdict(list)
    with KC_CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            for i in range(1, 17):
                value = row[f"q3_{i:02d}"]
                if value not in ("9", "", "NA"):
                    answers[roman[row["counci"]]].append(int(value))
    with app.app_context():
        from backend.db import session

        population = dict(session().execute(text(
            "SELECT a.code, a.population FROM areas a JOIN jurisdictions j ON j.id = a.jurisdiction_id "
            "WHERE j.code = '1261011' AND a.code IN ('I','II','III','IV','V','VI')")).all())
        session().rollback()
    for ind, score in (("kc-mean", lambda v: v), ("kc-top2", lambda v: 100.0 * (v >= 4))):
        items = wait_for(app, admin, {"indicator": f"{ind}-{suffix}", "period": "2021-Q3", "service": "total"})
        got = {i["area"]: i for i in items}
        assert set(got) == {None, *roman.values()}
        for area, values in answers.items():
            assert got[area]["n"] == len(values)
            assert got[area]["value"] == pytest.approx(sum(map(score, values)) / len(values), rel=1e-12)
            assert got[area]["provenance"] == "representative"
        everyone = [v for values in answers.values() for v in values]
        total = got[None]
        assert total["n"] == len(everyone)
        assert total["value"] == pytest.approx(sum(map(score, everyone)) / len(everyone), rel=1e-12)
        weighted, kish = post_stratified([(population[a], [(score(v), 1.0) for v in values])
                                          for a, values in answers.items()])
        assert total["weighted_value"] == pytest.approx(weighted, rel=1e-12)
        assert total["effective_n"] == pytest.approx(kish, rel=1e-12)
        assert total["ci_low"] < total["value"] < total["ci_high"]
        assert total["status"] == ("green" if weighted >= 3.5 else "red")  # judged on the weighted value


def test_post_stratification_matches_a_hand_computed_example(app: Flask, cities: dict, worker: Any,
                                                             tmp_path: Path) -> None:
    # By hand: areas of 1000 and 3000 residents, answers (5, 4) and (1, 2, 3): the area means 4.5 and 2 weigh
    # 1:3, so the estimate is (1000·4.5 + 3000·2) / 4000 = 2.625; weights per answer 500, 500, 1000, 1000, 1000
    # give Kish n = 4000² / (2·500² + 3·1000²) = 16 000 000 / 3 500 000 = 4.571428…
    mean, kish = post_stratified([(1000, [(5, 1.0), (4, 1.0)]), (3000, [(1, 1.0), (2, 1.0), (3, 1.0)])])
    assert mean == pytest.approx(2.625) and kish == pytest.approx(16 / 3.5)
    # The same in the database, with design weights (1, 3) in the first area, through a representative import.
    with app.app_context():
        from backend.db import session

        pops = dict(session().execute(text(
            "SELECT a.code, a.population FROM areas a JOIN jurisdictions j ON j.id = a.jurisdiction_id "
            "WHERE j.code = '1261011' AND a.code IN ('I', 'II')")).all())
        session().rollback()
    key = f"hand-{uuid.uuid4().hex[:6]}"
    (tmp_path / "hand.yaml").write_text(
        f"key: {key}\ntitle: {{pl: Przykład, en: Hand example}}\nfielded_at: 2020-02-10\nrespondent_id: id\nweight: w\n"
        "area: {column: district}\nquestions:\n  - {code: sat, column: sat, kind: likert5, dimension: overall, "
        "text: {pl: Zadowolenie, en: Satisfaction}}\n")
    (tmp_path / "hand.csv").write_text("id,district,w,sat\n1,I,1,5\n2,I,3,4\n3,II,1,1\n4,II,1,2\n5,II,1,3\n")
    from backend.surveys import import_survey

    with app.app_context():
        import_survey("1261011", tmp_path / "hand.yaml", tmp_path / "hand.csv")
    admin = token(app, "1261011", "admin")
    code = f"hand-{uuid.uuid4().hex[:4]}"
    client = app.test_client()
    assert client.post("/api/admin/indicators", headers=admin, json={
        "code": code, "name": {"en": "hand"}, "unit": "1-5", "direction": "higher", "kind": "subjective",
        "computation": "survey_mean(question:sat)", "granularity": "month"}).status_code == 201
    assert client.post("/api/admin/indicators/recompute", headers=admin, json={
        "codes": [code], "from": "2020-02", "to": "2020-02"}).status_code == 202
    items = {i["area"]: i for i in wait_for(app, admin, {"indicator": code, "period": "2020-02", "service": "total"})}
    p1, p2 = pops["I"], pops["II"]
    want = (p1 * (5 * 1 + 4 * 3) / 4 + p2 * 2) / (p1 + p2)  # the design-weighted mean of area I is 17/4
    want_kish = (p1 + p2) ** 2 / (p1 ** 2 * (1 + 9) / 16 + p2 ** 2 * 3 / 9)
    assert items[None]["n"] == 5 and items[None]["value"] == pytest.approx(3.0)
    assert items[None]["weighted_value"] == pytest.approx(want, rel=1e-12)
    assert items[None]["effective_n"] == pytest.approx(want_kish, rel=1e-12)
    assert items["I"]["suppressed"] and items["I"]["value"] is None and items["I"]["weighted_value"] is None


def test_a_new_report_refreshes_its_month_through_the_worker(app: Flask, cities: dict, worker: Any,
                                                             resident: Any) -> None:
    admin = token(app, "1261011", "admin")
    client = app.test_client()
    code = f"count-{uuid.uuid4().hex[:4]}"
    assert client.post("/api/admin/indicators", headers=admin, json={
        "code": code, "name": {"en": "reports"}, "unit": "per 1000", "direction": "lower", "kind": "objective",
        "computation": "reports_per_1000_residents", "services": ["pothole"], "areas": ["I"]}).status_code == 201
    month = datetime.now(ZoneInfo("Europe/Warsaw")).strftime("%Y-%m")
    query = {"indicator": code, "period": month, "area": "I", "service": "pothole"}

    def counted() -> tuple[int, int]:
        """Potholes opened this month in district I, and the district's population, straight from the tables."""
        with app.app_context():
            from backend.db import session

            row = session().execute(text(
                "SELECT count(*) FILTER (WHERE r.id IS NOT NULL), min(a.population) FROM areas a "
                "JOIN jurisdictions j ON j.id = a.jurisdiction_id LEFT JOIN reports r ON r.area_id = a.id "
                "AND r.service_id = (SELECT id FROM services WHERE code = 'pothole' AND jurisdiction_id = j.id) "
                "AND r.merged_into_id IS NULL AND r.status <> 'duplicate' AND r.requested_at >= "
                "(date_trunc('month', now() AT TIME ZONE j.timezone) AT TIME ZONE j.timezone) "
                "WHERE j.code = '1261011' AND a.code = 'I'")).one()
            session().rollback()
        return int(row[0]), int(row[1])

    def settles_at(n: int) -> dict[str, Any]:
        def counted_n() -> dict[str, Any] | None:
            items = feed(app, admin, **query)
            return items[0] if items and items[0]["n"] == n else None

        return eventually(counted_n, interval=0.3,
                          what=lambda: f"the value to count {n} reports: {feed(app, admin, **query)}")

    me: Resident = resident()
    for _ in range(5):
        me.report()  # a pothole in the Old Town (district I)
    celery = app.extensions["celery"]
    celery.send_task("hromada.indicators.refresh")
    n, population = counted()
    before = settles_at(n)
    assert n >= 5 and before["value"] == pytest.approx(n / (population / 1000))
    me.report()
    with app.app_context():
        from backend.db import session

        dirty = session().execute(text("SELECT count(*) FROM indicator_dirty d JOIN jurisdictions j "
                                       "ON j.id = d.jurisdiction_id WHERE j.code = '1261011'")).scalar_one()
        session().rollback()
    assert dirty >= 1  # the report's own transaction marked its month
    celery.send_task("hromada.indicators.refresh")
    after = settles_at(n + 1)
    assert after["value"] == pytest.approx((n + 1) / (population / 1000))
    assert date.fromisoformat(after["period_start"]).strftime("%Y-%m") == month
