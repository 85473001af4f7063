"""Places residents follow, geo-targeted broadcasts, announcements and the waste calendar."""

from __future__ import annotations

import csv
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.models import Notification
from backend.staff import create_staff
from push import broadcasts as push_broadcasts
from push import delivery
from tests.e2e.test_notifications import device, settle

PASSWORD = "correct horse battery staple"
CENTER = (50.0614, 19.9372)  # Rynek Główny (district I)
NEAR = (50.0630, 19.9390)  # ~220 m away, district I
FAR = (50.0830, 19.9710)  # ~3.3 km away (district III)
SQUARE = {"type": "Polygon", "coordinates": [[[19.930, 50.058], [19.945, 50.058], [19.945, 50.066],
                                              [19.930, 50.066], [19.930, 50.058]]]}


@pytest.fixture(scope="module")
def managers(app: Flask, cities: dict) -> dict[str, dict[str, str]]:
    client = app.test_client()
    tag = uuid.uuid4().hex[:8]
    out = {}
    with app.app_context():
        for who, code in (("krakow", "1261011"), ("powiat", "1206")):
            create_staff(email=f"m-{who}-{tag}@example.org", password=PASSWORD, role="manager", jurisdiction_code=code)
    for who in ("krakow", "powiat"):
        token = client.post("/api/admin/tokens", json={"email": f"m-{who}-{tag}@example.org",
                                                       "password": PASSWORD}).json["token"]
        out[who] = {"Authorization": f"Bearer {token}"}
    return out


def follower(client: FlaskClient, locale: str, where: tuple[float, float] | None, topics: dict[str, bool],
             tag: str, name: str) -> Any:
    me = device(client, locale, f"ok-{tag}-{name}")
    if where is not None:
        res = me.post("/api/v1/me/places", {"label": "home", "lat": where[0], "lon": where[1]})
        assert res.status_code == 201, res.json
    me.client.put("/api/v1/me/notification-preferences", json={"topics": topics}, headers=me.headers)
    me.name = name
    return me


def broadcast(client: FlaskClient, headers: dict, **spec: Any) -> Any:
    body = {"topic": "weather", "texts": {"pl": {"title": "Burza", "body": "Silny wiatr po 18:00."},
                                          "en": {"title": "Storm", "body": "Strong wind after 6 pm."}}, **spec}
    return client.post("/api/admin/broadcasts", json=body, headers=headers)


def delivered(app: Flask, client: FlaskClient, headers: dict, bid: int) -> dict[str, Any]:
    def done() -> bool:
        got = client.get(f"/api/admin/broadcasts/{bid}", headers=headers).json
        return got["status"] == "sent" and got["stats"]["pending"] == 0

    settle(app, done)
    return dict(client.get(f"/api/admin/broadcasts/{bid}", headers=headers).json)


def reached(app: Flask, bid: int) -> set[int]:
    from backend.db import session

    with app.app_context():
        ids = set(session().scalars(select(Notification.device_id).where(Notification.broadcast_id == bid)))
        session().rollback()
    return ids


def test_places_are_saved_listed_and_removed(client: FlaskClient) -> None:
    me = device(client, "pl", None)
    res = me.post("/api/v1/me/places", {"label": "dom", "lat": CENTER[0], "lon": CENTER[1]})
    assert res.status_code == 201 and res.json["area"]["code"] == "I" and res.json["jurisdiction"]["code"] == "1261011"
    assert me.post("/api/v1/me/places", {"label": "Warszawa", "lat": 52.2297, "lon": 21.0122}).status_code == 422
    assert me.post("/api/v1/me/places", {"label": "", "lat": CENTER[0], "lon": CENTER[1]}).status_code == 422
    for i in range(4):
        assert me.post("/api/v1/me/places", {"label": f"p{i}", "lat": NEAR[0], "lon": NEAR[1]}).status_code == 201
    assert me.post("/api/v1/me/places", {"label": "sixth", "lat": NEAR[0], "lon": NEAR[1]}).status_code == 409
    listed = me.get("/api/v1/me/places").json["items"]
    assert [p["label"] for p in listed] == ["dom", "p0", "p1", "p2", "p3"]
    other = device(client, "en", None)
    assert other.delete(f"/api/v1/me/places/{listed[0]['id']}").status_code == 404
    assert me.delete(f"/api/v1/me/places/{listed[0]['id']}").status_code == 204
    assert len(me.get("/api/v1/me/places").json["items"]) == 4
    assert client.get("/api/v1/me/places").status_code == 401


def test_radius_and_polygon_reach_exactly_the_devices_whose_places_are_inside(
        app: Flask, client: FlaskClient, managers: dict, worker: Any, fake_fcm: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    people = {
        "inside": follower(client, "pl", CENTER, {"weather": True}, tag, "inside"),
        "near": follower(client, "en", NEAR, {"weather": True}, tag, "near"),
        "far": follower(client, "pl", FAR, {"weather": True}, tag, "far"),
        "no_topic": follower(client, "pl", CENTER, {}, tag, "no_topic"),  # weather is off by default
        "no_place": follower(client, "pl", None, {"weather": True}, tag, "no_place"),
    }
    ids = {k: v.device_id for k, v in people.items()}
    radius = {"audience": "radius", "lat": CENTER[0], "lon": CENTER[1], "radius_m": 100}
    preview = client.post("/api/admin/broadcasts/preview", json={"topic": "weather", **radius},
                          headers=managers["krakow"])
    assert preview.status_code == 200
    res = broadcast(client, managers["krakow"], **radius)
    assert res.status_code == 201, res.json
    done = delivered(app, client, managers["krakow"], res.json["id"])
    mine = reached(app, res.json["id"]) & set(ids.values())
    assert mine == {ids["inside"]}
    assert done["stats"]["targeted"] == preview.json["devices"]  # the preview told the truth

    wide = broadcast(client, managers["krakow"], **{**radius, "radius_m": 400})
    delivered(app, client, managers["krakow"], wide.json["id"])
    assert reached(app, wide.json["id"]) & set(ids.values()) == {ids["inside"], ids["near"]}

    square = broadcast(client, managers["krakow"], audience="polygon", polygon=SQUARE)
    assert square.status_code == 201, square.json
    delivered(app, client, managers["krakow"], square.json["id"])
    assert reached(app, square.json["id"]) & set(ids.values()) == {ids["inside"], ids["near"]}

    pushes = {r.token: r for r in fake_fcm.accepted() if tag in r.token and r.data.get("broadcast_id") ==
              str(res.json["id"])}
    assert set(pushes) == {f"ok-{tag}-inside"} and pushes[f"ok-{tag}-inside"].title == "Burza"
    # Languages: English for the English phone, the municipality's language (Polish) for a Ukrainian one.
    assert people["near"].get("/api/v1/me/notifications").json["items"][0]["title"] == "Storm"


def test_areas_and_jurisdiction_wide_audiences(app: Flask, client: FlaskClient, managers: dict, worker: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    old_town = follower(client, "uk", CENTER, {"transport": True}, tag, "old_town")
    grzegorzki = follower(client, "pl", FAR, {"transport": True}, tag, "far")
    chose_city = follower(client, "pl", None, {"transport": True}, tag, "chose_city")
    assert chose_city.client.patch("/api/v1/devices/me", json={"jurisdiction": "1261011"},
                                   headers=chose_city.headers).json["jurisdiction"] == "1261011"
    nowhere = follower(client, "pl", None, {"transport": True}, tag, "nowhere")
    areas = broadcast(client, managers["krakow"], topic="transport", audience="areas", areas=["I"])
    delivered(app, client, managers["krakow"], areas.json["id"])
    ours = {old_town.device_id, grzegorzki.device_id, chose_city.device_id, nowhere.device_id}
    assert reached(app, areas.json["id"]) & ours == {old_town.device_id}
    assert old_town.get("/api/v1/me/notifications").json["items"][0]["body"] == "Silny wiatr po 18:00."  # uk → pl
    everyone = broadcast(client, managers["krakow"], topic="transport", audience="jurisdiction")
    delivered(app, client, managers["krakow"], everyone.json["id"])
    assert reached(app, everyone.json["id"]) & ours == {old_town.device_id, grzegorzki.device_id,
                                                        chose_city.device_id}


def test_a_scheduled_broadcast_goes_out_at_its_time_and_an_expired_one_never(
        app: Flask, client: FlaskClient, managers: dict, worker: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    me = follower(client, "pl", CENTER, {"events": True}, tag, "me")
    soon = datetime.now(UTC) + timedelta(seconds=2)
    later = broadcast(client, managers["krakow"], topic="events", audience="areas", areas=["I"],
                      send_at=soon.isoformat())
    never = broadcast(client, managers["krakow"], topic="events", audience="areas", areas=["I"],
                      send_at=soon.isoformat(), expires_at=(soon + timedelta(milliseconds=500)).isoformat())
    assert later.json["status"] == never.json["status"] == "scheduled"
    with app.app_context():
        push_broadcasts.sweep.run()  # before its time: nothing starts
    assert me.get("/api/v1/me/notifications").json["items"] == []
    time.sleep(3)
    done = delivered(app, client, managers["krakow"], later.json["id"])
    assert done["stats"]["targeted"] >= 1 and me.device_id in reached(app, later.json["id"])
    gone = client.get(f"/api/admin/broadcasts/{never.json['id']}", headers=managers["krakow"]).json
    assert gone["status"] == "expired" and gone["stats"]["targeted"] == 0
    assert [n["data"]["broadcast_id"] for n in me.get("/api/v1/me/notifications").json["items"]] == [
        str(later.json["id"])]


def test_emergencies_go_out_first_with_high_priority(migrated: str, cities: dict, managers: dict, fake_fcm: Any,
                                                     smtp: Any, tmp_path: Path) -> None:
    from tests.conftest import make_app, push_settings
    from tests.support.services import PrivateRedis

    quiet = PrivateRedis(tmp_path)  # a broker no worker listens to: nothing is sent until this test says so
    quiet.start()
    try:
        app = make_app(migrated, quiet.url, **push_settings(fake_fcm, smtp), PUSH_CHUNK="1")
        client = app.test_client()
        tag = uuid.uuid4().hex[:8]
        follower(client, "pl", CENTER, {"weather": True}, tag, "a")
        area = {"audience": "radius", "lat": CENTER[0], "lon": CENTER[1], "radius_m": 30}
        normal = broadcast(client, managers["krakow"], **area).json["id"]
        alarm = broadcast(client, managers["krakow"], topic="emergency", **area,
                          texts={"pl": {"title": "Alarm powodziowy", "body": "Ewakuacja bulwarów."}}).json["id"]
        with app.app_context():  # both fanned out (the normal one first), then one message goes out
            for bid in (normal, alarm):
                while push_broadcasts.send_step(bid) == "batch":
                    pass
            seen = len(fake_fcm.received)
            delivery.push_batch()
    finally:
        quiet.stop()
    first = fake_fcm.received[seen:]  # the one message sent (to any device the alarm reaches)
    assert len(first) == 1 and first[0].data["broadcast_id"] == str(alarm)
    assert first[0].android_priority == "high" and first[0].title == "Alarm powodziowy"


def test_announcements_list_only_what_is_in_force_at_the_place(app: Flask, client: FlaskClient, managers: dict,
                                                               worker: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    texts = {"pl": {"title": f"Objazd {tag}", "body": "Tramwaje jadą Basztową."},
             "uk": {"title": f"Об'їзд {tag}", "body": "Трамваї їдуть вулицею Баштовою."}}
    public = broadcast(client, managers["krakow"], topic="transport", audience="polygon", polygon=SQUARE,
                       texts=texts).json["id"]
    private = broadcast(client, managers["krakow"], topic="transport", audience="polygon", polygon=SQUARE,
                        texts=texts, private=True).json["id"]
    for bid in (public, private):
        delivered(app, client, managers["krakow"], bid)

    def listed(lat: float, lon: float, **extra: Any) -> list[int]:
        res = client.get("/api/v1/announcements", query_string={"lat": lat, "lon": lon, **extra},
                         headers={"Accept-Language": "uk"})
        assert res.status_code == 200, res.json
        return [a["id"] for a in res.json["items"]]

    assert public in listed(*CENTER) and private not in listed(*CENTER)
    assert public not in listed(*FAR)  # outside the polygon
    assert public not in listed(*CENTER, topic="events")
    uk = client.get("/api/v1/announcements", query_string={"lat": CENTER[0], "lon": CENTER[1]},
                    headers={"Accept-Language": "uk"}).json["items"]
    assert next(a for a in uk if a["id"] == public)["title"] == f"Об'їзд {tag}"
    client.post(f"/api/admin/broadcasts/{public}/cancel", headers=managers["krakow"])  # sent: 409, stays
    expiring = broadcast(client, managers["krakow"], topic="transport", audience="polygon", polygon=SQUARE,
                         texts=texts, expires_at=(datetime.now(UTC) + timedelta(seconds=2)).isoformat()).json["id"]
    delivered(app, client, managers["krakow"], expiring)
    assert expiring in listed(*CENTER)
    time.sleep(2.5)
    assert expiring not in listed(*CENTER)
    assert client.get("/api/v1/announcements", query_string={"lat": 52.2, "lon": 21.0}).status_code == 422


def test_bad_broadcasts_are_422_naming_the_field_and_other_municipalities_404(
        client: FlaskClient, managers: dict) -> None:
    k = managers["krakow"]
    cases = {
        "polygon": {"audience": "polygon", "polygon": {"type": "Polygon", "coordinates": []}},
        "radius_m": {"audience": "radius", "lat": CENTER[0], "lon": CENTER[1], "radius_m": 500_000},
        "send_at": {"audience": "jurisdiction", "send_at": "2020-01-01T10:00:00+00:00"},
        "topic": {"audience": "jurisdiction", "topic": "horoscope"},
        "areas": {"audience": "areas", "areas": ["XCIX"]},
    }
    for field, spec in cases.items():
        res = broadcast(client, k, **spec)
        assert res.status_code == 422 and field in str(res.json), (field, res.json)
    outside = {"type": "Polygon", "coordinates": [[[21.0, 52.2], [21.01, 52.2], [21.01, 52.21], [21.0, 52.2]]]}
    assert "polygon" in str(broadcast(client, k, audience="polygon", polygon=outside).json)
    no_polish = broadcast(client, k, audience="jurisdiction", texts={"en": {"title": "Storm", "body": "Wind."}})
    assert no_polish.status_code == 422 and "texts" in str(no_polish.json)
    mine = broadcast(client, k, audience="jurisdiction", send_at=(datetime.now(UTC) + timedelta(days=30)).isoformat())
    assert mine.status_code == 201
    assert client.get(f"/api/admin/broadcasts/{mine.json['id']}", headers=managers["powiat"]).status_code == 404
    assert client.post(f"/api/admin/broadcasts/{mine.json['id']}/cancel",
                       headers=managers["powiat"]).status_code == 404
    cancelled = client.post(f"/api/admin/broadcasts/{mine.json['id']}/cancel", headers=k)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"


BORDER_LON = 19.95  # Kraków's northern edge crosses this meridian at about 50.1157 N; the powiat lies beyond


def test_a_circle_outside_the_municipality_is_422_naming_it_and_one_partly_outside_reaches_only_its_residents(
        app: Flask, client: FlaskClient, managers: dict, worker: Any) -> None:
    k = managers["krakow"]
    for lat, lon, radius in ((52.2297, 21.0122, 5000), (50.125, BORDER_LON, 300)):  # Warsaw; the powiat, 1 km off
        spec = {"audience": "radius", "lat": lat, "lon": lon, "radius_m": radius}
        refused = broadcast(client, k, **spec)
        assert refused.status_code == 422 and "lat" in refused.json["errors"]["json"], refused.json
        preview = client.post("/api/admin/broadcasts/preview", json={"topic": "weather", **spec}, headers=k)
        assert preview.status_code == 422 and "lat" in preview.json["errors"]["json"], preview.json
    assert broadcast(client, managers["powiat"], audience="radius", lat=50.125, lon=BORDER_LON,
                     radius_m=300).status_code == 201  # the powiat's own

    tag = uuid.uuid4().hex[:8]
    inside = follower(client, "pl", (50.112, BORDER_LON), {"weather": True}, tag, "krakow")
    beyond = follower(client, "pl", (50.120, BORDER_LON), {"weather": True}, tag, "powiat")
    assert beyond.get("/api/v1/me/places").json["items"][0]["jurisdiction"]["code"] == "1206"
    across = {"audience": "radius", "lat": 50.119, "lon": BORDER_LON, "radius_m": 1000}  # centre in the powiat
    straddling = {"type": "Polygon", "coordinates": [[[19.94, 50.110], [19.96, 50.110], [19.96, 50.122],
                                                      [19.94, 50.122], [19.94, 50.110]]]}
    for spec in (across, {"audience": "polygon", "polygon": straddling}):
        res = broadcast(client, k, **spec)
        assert res.status_code == 201, res.json
        delivered(app, client, k, res.json["id"])
        assert reached(app, res.json["id"]) & {inside.device_id, beyond.device_id} == {inside.device_id}, spec


def test_without_push_configured_the_statistics_say_so_in_words_instead_of_zero_sent(
        migrated: str, cities: dict, managers: dict, tmp_path: Path) -> None:
    from tests.conftest import make_app
    from tests.e2e.conftest import HTTPS, web_session
    from tests.support.services import PrivateRedis

    quiet = PrivateRedis(tmp_path)  # a broker no worker listens to: this test runs the fan-out itself
    quiet.start()
    try:
        bare = make_app(migrated, quiet.url)  # no FCM credentials, no SMTP server
        client = bare.test_client()
        tag = uuid.uuid4().hex[:8]
        follower(client, "pl", CENTER, {"weather": True}, tag, "a")
        follower(client, "uk", NEAR, {"weather": True}, tag, "b")
        spec = {"audience": "radius", "lat": CENTER[0], "lon": CENTER[1], "radius_m": 400}
        preview = client.post("/api/admin/broadcasts/preview", json={"topic": "weather", **spec},
                              headers=managers["krakow"])
        assert preview.json["channels"] == {"push": "not configured"}
        bid = broadcast(client, managers["krakow"], **spec).json["id"]
        with bare.app_context():
            while push_broadcasts.send_step(bid) == "batch":
                pass
        stats = client.get(f"/api/admin/broadcasts/{bid}", headers=managers["krakow"]).json["stats"]
        assert stats["targeted"] >= 2 and stats["channels"] == {"push": "not configured"}
        listed = client.get("/api/admin/broadcasts", headers=managers["krakow"]).json["items"]
        assert next(b for b in listed if b["id"] == bid)["stats"]["channels"] == {"push": "not configured"}

        email = f"m-web-{tag}@example.org"
        with bare.app_context():
            create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
        web, csrf = web_session(bare, email)
        words = {"pl": "Powiadomienia push nie są skonfigurowane", "uk": "Push-сповіщення не налаштовано",
                 "en": "Push notifications are not configured"}
        for lang, text in words.items():
            web.post("/admin/language", data={"lang": lang, "csrf_token": csrf, "back": "/admin/broadcasts"},
                     base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/broadcasts"})
            page = web.get(f"/admin/broadcasts/{bid}", base_url=HTTPS).get_data(as_text=True)
            assert text in page and 'class="sent"' not in page, (lang, page[-1500:])
            assert text in web.get("/admin/broadcasts", base_url=HTTPS).get_data(as_text=True), lang
            shown = web.post("/admin/broadcasts/preview", base_url=HTTPS,
                             headers={"X-CSRFToken": csrf, "Referer": f"{HTTPS}/admin/broadcasts"},
                             data={"topic": "weather", **{k: str(v) for k, v in spec.items()}})
            assert text in shown.get_data(as_text=True), lang
    finally:
        quiet.stop()


def test_with_push_configured_the_statistics_count_what_was_sent(
        app: Flask, client: FlaskClient, managers: dict, worker: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    follower(client, "pl", CENTER, {"events": True}, tag, "a")
    spec = {"audience": "radius", "lat": CENTER[0], "lon": CENTER[1], "radius_m": 50}
    bid = broadcast(client, managers["krakow"], topic="events", **spec).json["id"]
    stats = delivered(app, client, managers["krakow"], bid)["stats"]
    assert stats["channels"] == {"push": "configured"} and stats["sent"] >= 1


def write_schedule(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area", "street", "date", "fraction"])
        w.writerows(rows)
    return path


def test_the_waste_schedule_answers_a_place_and_a_bad_file_changes_nothing(
        app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    from backend.cities import load_schedule
    from backend.errors import DomainError

    today = date.today()
    good = write_schedule(tmp_path / "good.csv", [
        ("I", "", (today + timedelta(days=1)).isoformat(), "paper"),
        ("I", "", (today + timedelta(days=3)).isoformat(), "mixed"),
        ("II", "", (today + timedelta(days=1)).isoformat(), "glass"),
        ("", "Floriańska", (today + timedelta(days=2)).isoformat(), "glass"),
    ])
    from backend.cities import load_addresses
    from tests.conftest import CITIES

    with app.app_context():
        load_addresses("1261011", CITIES / "krakow" / "addresses.csv")  # the streets of the Old Town
        assert load_schedule("1261011", good) == 4
        bad = write_schedule(tmp_path / "bad.csv", [("I", "", "2026-13-01", "paper")])
        with pytest.raises(DomainError, match="line 2"):
            load_schedule("1261011", bad)
    at = client.get("/api/v1/waste-schedule", query_string={"lat": 50.06225, "lon": 19.93865},  # Floriańska 2
                    headers={"Accept-Language": "pl"}).json
    assert [(i["fraction"], i["date"]) for i in at["items"]] == [
        ("paper", (today + timedelta(days=1)).isoformat()), ("glass", (today + timedelta(days=2)).isoformat()),
        ("mixed", (today + timedelta(days=3)).isoformat())]
    assert at["items"][0]["name"] != "paper"  # in Polish
    away = client.get("/api/v1/waste-schedule", query_string={"lat": CENTER[0], "lon": 19.9330}).json
    assert "glass" not in [i["fraction"] for i in away["items"]]  # not on Floriańska
    assert client.get("/api/v1/waste-schedule", query_string={"lat": 52.2, "lon": 21.0}).status_code == 422


def test_the_waste_reminder_fires_the_evening_before_in_warsaw_time_across_the_dst_change(
        app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    from backend.cities import load_schedule
    from backend.db import session

    tag = uuid.uuid4().hex[:8]
    home = (50.0500, 19.9000)  # district V or VIII; the schedule names the place's own area
    me = follower(client, "uk", home, {"waste": True}, tag, "me")
    area = me.get("/api/v1/me/places").json["items"][0]["area"]["code"]
    muted = follower(client, "pl", home, {}, tag, "muted")
    # Daylight saving time ends in Poland on Sunday 25 October 2026 at 03:00.
    write_schedule(tmp_path / "dst.csv", [(area, "", "2026-10-25", "glass"), (area, "", "2026-10-26", "paper"),
                                          (area, "", "2026-10-26", "bio")])

    def run(at: str) -> dict[str, int]:
        with app.app_context():
            return push_broadcasts.run_waste_reminders(datetime.fromisoformat(at))

    with app.app_context():
        load_schedule("1261011", tmp_path / "dst.csv")
    assert "1261011" not in run("2026-10-24T15:59:00+00:00")  # 17:59 CEST
    assert run("2026-10-24T16:00:00+00:00")["1261011"] >= 1  # 18:00 CEST, the evening before the 25th
    assert "1261011" not in run("2026-10-24T16:30:00+00:00")  # once
    assert "1261011" not in run("2026-10-25T16:30:00+00:00")  # 17:30 CET: not yet
    assert run("2026-10-25T17:00:00+00:00")["1261011"] >= 1  # 18:00 CET, the evening before the 26th
    with app.app_context():
        mine = session().scalars(select(Notification).where(Notification.device_id == me.device_id)
                                 .order_by(Notification.id)).all()
        muted_got = session().scalars(select(Notification).where(Notification.device_id == muted.device_id)).all()
        texts = [(n.kind, n.title, n.body) for n in mine]
        session().rollback()
    assert muted_got == []
    assert [k for k, _, _ in texts] == ["waste.reminder", "waste.reminder"]
    assert "скло" in texts[0][2] and "папір" in texts[1][2] and "біовідходи" in texts[1][2]
    assert texts[0][1] == "Вивезення відходів завтра"
