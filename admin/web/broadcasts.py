"""The broadcasts pages: the list, the form with its audience preview (areas, a drawn polygon or a radius), a
broadcast's delivery statistics."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for

from admin.web.common import allow, bp, choices, lang, me
from backend import broadcasts, cities
from backend.errors import DomainError
from backend.i18n import LANGUAGES, gettext
from backend.input_guard import parse_json
from backend.vocabulary import label


def _local(value: str | None) -> datetime | None:
    """A datetime-local field, in the municipality's time zone."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise DomainError(gettext("Not a valid datetime."), field="send_at") from exc
    return naive.replace(tzinfo=ZoneInfo(me().jurisdiction.timezone))


def _number(form: Any, key: str) -> float | None:
    try:
        number = float(form.get(key) or "")
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _spec(form: Any) -> broadcasts.BroadcastSpec:
    spec: broadcasts.BroadcastSpec = {"topic": form.get("topic"), "audience": form.get("audience")}
    if spec["audience"] == "areas":
        spec["areas"] = form.getlist("areas")
    elif spec["audience"] == "polygon":
        try:
            spec["polygon"] = parse_json(form.get("polygon") or "null", "polygon", "form")
        except ValueError:
            spec["polygon"] = None
    elif spec["audience"] == "radius":
        spec["lat"], spec["lon"], spec["radius_m"] = (_number(form, k) for k in ("lat", "lon", "radius_m"))
    return spec


def _place(lon: float, lat: float, language: str) -> str:
    """The nearest address of a point, else its coordinates."""
    near = cities.whereabouts(lon, lat, language).address
    return near.label if near is not None else f"{lat:.5f}, {lon:.5f}"


def _audiences(items: list[broadcasts.BroadcastView], offered: cities.Choices) -> dict[int, str]:
    """Whom each broadcast reaches, in words: "Everyone in the municipality", "Areas: I Stare Miasto",
    "400 m around Floriańska 3"."""
    language = lang()
    names = {a.code: f"{a.code} {a.name}" for a in offered["areas"]}
    out = {}
    for b in items:
        words = label(b["audience"], language, "audience")
        if b["audience"] == "areas":
            words = gettext("Areas: {names}", language, names=", ".join(names.get(c, c) for c in b["areas"]))
        elif b["audience"] == "radius" and b["lat"] is not None and b["lon"] is not None and b["radius_m"]:
            place = _place(b["lon"], b["lat"], language)
            words = gettext("{metres} m around {place}", language, metres=int(b["radius_m"]), place=place)
        out[b["id"]] = words
    return out


def _page(form: Any, error: str | None) -> str:
    items = broadcasts.listing(me())
    offered = choices()
    return render_template(
        "admin/broadcasts.html",
        items=items,
        audiences=_audiences(items, offered),
        choices=offered,
        topics=broadcasts.BROADCAST_TOPICS,
        error=error,
        form=form,
    )


@bp.get("/broadcasts")
@allow("broadcasts.list")
def broadcasts_page() -> Any:
    return _page({}, None)


@bp.post("/broadcasts/preview")
@allow("broadcasts.preview")
def broadcast_preview() -> Any:
    try:
        counts = broadcasts.preview(me(), _spec(request.form))
    except DomainError as exc:
        return render_template("admin/_preview.html", error=exc.message, field=exc.field)
    return render_template("admin/_preview.html", counts=counts, error=None)


@bp.post("/broadcasts")
@allow("broadcasts.create")
def broadcast_send() -> Any:
    form = request.form
    spec = _spec(form)
    spec["texts"] = {
        lang_: {"title": form.get(f"title_{lang_}", ""), "body": form.get(f"body_{lang_}", "")}
        for lang_ in LANGUAGES
        if form.get(f"title_{lang_}") or form.get(f"body_{lang_}")
    }
    spec["private"] = form.get("private") == "on"
    try:
        spec["send_at"] = _local(form.get("send_at"))
        spec["expires_at"] = _local(form.get("expires_at"))
        created = broadcasts.create(me(), spec)
    except DomainError as exc:
        return _page(form, f"{exc.field}: {exc.message}"), 422
    return redirect(url_for("web.broadcast_page", broadcast_id=created["id"]))


@bp.get("/broadcasts/<int:broadcast_id>")
@allow("broadcasts.get")
def broadcast_page(broadcast_id: int) -> Any:
    b = broadcasts.detail(me(), broadcast_id)
    if request.headers.get("HX-Request"):
        return render_template("admin/_broadcast_stats.html", b=b)
    return render_template("admin/broadcast.html", b=b, audience=_audiences([b], choices())[b["id"]])
