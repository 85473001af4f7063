"""The personal-data page (administrators): a person's data on their request, found by the e-mail address or phone
they gave; what is held, shown and downloadable as JSON; erased after a confirmation step. Every showing, download
and erasure is audited, and the page lists the municipality's latest ones."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, render_template, request, url_for

from admin.api.personal_data import PersonExportOut
from admin.web.common import allow, bp, choices, lang, me, t
from backend import residents
from backend.errors import DomainError, NotFound

#: The form's fields.
FIELDS = ("email", "phone")


def _asked() -> dict[str, str]:
    """The e-mail address and phone typed in the form (cut to their fields' sizes)."""
    return {key: (request.form.get(key) or "").strip()[:300] for key in FIELDS}


def _page(**context: Any) -> Any:
    status = context.pop("status", 200)
    staff = me()
    offered = choices()
    return render_template(
        "admin/personal_data.html",
        log=residents.request_log(staff, lang()),
        zone=ZoneInfo(staff.jurisdiction.timezone),
        services={x.code: x.name for x in offered["services"]},
        areas={x.code: x.name for x in offered["areas"]},
        asked=context.pop("asked", {}),
        errors=context.pop("errors", {}),
        here=_back(),
        switched=request.args.get("switched") == "1",
        **context,
    ), status


def _back() -> str | None:
    """Where the language switch leads from a page shown in answer to a form: the search page (which says to find
    the person again), for the answer cannot be shown again without the address, which never goes in a URL."""
    return url_for("web.personal_data_page", switched=1) if request.method == "POST" else None


def _refused(exc: DomainError, asked: dict[str, str]) -> Any:
    if isinstance(exc, NotFound):
        return _page(error=exc.message, asked=asked, status=404)
    if exc.field in FIELDS and any(asked.values()):
        return _page(errors={exc.field: exc.message}, asked=asked, status=exc.status)
    return _page(error=exc.message, asked=asked, status=exc.status)


def _nobody_asked(asked: dict[str, str]) -> Any:
    return _page(error=t("Give the e-mail address or the phone number the person gave."), asked=asked, status=422)


@bp.get("/personal-data")
@allow("personal_data.export")
def personal_data_page() -> Any:
    return _page()


@bp.post("/personal-data")
@allow("personal_data.export")
def personal_data_find() -> Any:
    asked = _asked()
    if not any(asked.values()):
        return _nobody_asked(asked)
    try:
        held = residents.export_person(me(), asked["email"] or None, asked["phone"] or None)
    except DomainError as exc:
        return _refused(exc, asked)
    return _page(held=held, asked=asked)


@bp.post("/personal-data/download")
@allow("personal_data.export")
def personal_data_download() -> Any:
    asked = _asked()
    if not any(asked.values()):
        return _nobody_asked(asked)
    try:
        held = residents.export_person(me(), asked["email"] or None, asked["phone"] or None)
    except DomainError as exc:
        return _refused(exc, asked)
    name = f"personal-data-{held['jurisdiction']}-{date.today().isoformat()}.json"
    return Response(
        PersonExportOut().dumps(held, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/personal-data/erase")
@allow("personal_data.erase")
def personal_data_erase() -> Any:
    asked = _asked()
    if not any(asked.values()):
        return _nobody_asked(asked)
    email, phone = asked["email"] or None, asked["phone"] or None
    try:
        if request.form.get("confirmed") != "yes":  # first a page that asks; it changes nothing
            shared = residents.held_with_another(me(), email, phone)
            return render_template("admin/personal_data_confirm.html", asked=asked, shared=shared, here=_back())
        erased = residents.erase_person(me(), email, phone)
    except DomainError as exc:
        return _refused(exc, asked)
    return _page(erased=erased)
