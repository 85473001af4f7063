"""The surveys pages: the list, a definition typed as JSON (checked by the API's own schema), a survey's page
with its preview and results, and its actions (publish, close, edit, invite), the responses as CSV."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

from flask import Response, redirect, render_template, request, url_for
from marshmallow import ValidationError

from admin.api.surveys import SurveyIn
from admin.web.common import allow, bp, lang, me, t
from backend import surveys
from backend.errors import DomainError
from backend.fields import whole_number
from backend.i18n import LANGUAGES
from backend.input_guard import parse_json
from backend.spreadsheets import csv_text

SURVEY_EXAMPLE = {
    "key": "city-services",
    "title": {"pl": "Jak oceniasz usługi miasta?", "en": "How good are the city's services?"},
    "intro": {"pl": "Trzy krótkie pytania.", "en": "Three short questions."},
    "audience": "everyone",
    "questions": [
        {
            "code": "overall",
            "kind": "likert5",
            "required": True,
            "dont_know": True,
            "dimension": "overall",
            "text": {"pl": "Jak oceniasz usługi miasta?", "en": "How good are the city's services?"},
            "scale_labels": {"pl": ["bardzo źle", "źle", "średnio", "dobrze", "bardzo dobrze"]},
        },
        {"code": "recommend", "kind": "nps", "text": {"pl": "Czy poleciłbyś życie tutaj?", "en": "Recommend?"}},
        {"code": "comment", "kind": "text", "text": {"pl": "Uwagi", "en": "Comments"}},
    ],
}


def _survey_spec(raw: str | None) -> surveys.SurveySpec:
    """The definition typed in the page (JSON), checked by the API's own schema (whose keys are SurveySpec's)."""
    try:
        return cast(surveys.SurveySpec, dict(SurveyIn().load(parse_json(raw or "{}", "definition", "form"))))
    except ValueError as exc:
        raise DomainError(t("Not valid JSON: {e}", e=str(exc)), field="definition") from exc
    except ValidationError as exc:
        raise DomainError(json.dumps(exc.messages, ensure_ascii=False), field="definition") from exc


@bp.get("/surveys")
@allow("surveys.list")
def surveys_page() -> Any:
    return render_template(
        "admin/surveys.html",
        items=surveys.listing(me()),
        error=None,
        example=json.dumps(SURVEY_EXAMPLE, ensure_ascii=False, indent=2),
    )


@bp.post("/surveys")
@allow("surveys.create")
def survey_create() -> Any:
    try:
        made = surveys.create(me(), _survey_spec(request.form.get("definition", "")))
    except DomainError as exc:
        return render_template(
            "admin/surveys.html",
            items=surveys.listing(me()),
            error=f"{exc.field}: {exc.message}",
            example=request.form.get("definition", ""),
        ), 422
    return redirect(url_for("web.survey_page", survey_id=made["id"]))


def _survey_view(survey_id: int, error: str | None = None, status: int = 200) -> Any:
    definition = surveys.definition(me(), survey_id)
    requested = request.args.get("lang") or ""
    preview_lang = requested if requested in LANGUAGES else lang()
    context = {
        "s": definition,
        "preview": surveys.preview(me(), survey_id, preview_lang),
        "preview_lang": preview_lang,
        "results": surveys.results(me(), survey_id),
        "definition_json": _definition_json(definition),
        "error": error,
    }
    return render_template("admin/survey.html", **context), status


def _definition_json(definition: Mapping[str, Any]) -> str:
    """The definition as the edit form shows it (only what SurveyIn accepts, no empty values)."""
    keys = ("key", "title", "intro", "service_codes", "audience", "areas", "reporter_services", "reporter_days")
    top = {k: definition[k] for k in keys if definition[k] is not None}
    questions = [{k: v for k, v in q.items() if v not in (None, [], {})} for q in definition["questions"]]
    return json.dumps({**top, "questions": questions}, ensure_ascii=False, indent=2, default=str)


@bp.get("/surveys/<int:survey_id>")
@allow("surveys.get")
def survey_page(survey_id: int) -> Any:
    return _survey_view(survey_id)


@bp.get("/surveys/<int:survey_id>/responses.csv")
@allow("surveys.results")
def survey_export(survey_id: int) -> Any:
    return Response(
        csv_text(surveys.export(me(), survey_id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="survey-{survey_id}-responses.csv"'},
    )


def _survey_action(survey_id: int, run: Callable[[], Any]) -> Any:
    """Run an action on the survey; to the survey's page (the new version's, if one was made), or the error."""
    try:
        result = run()
    except DomainError as exc:
        return _survey_view(survey_id, error=f"{exc.field or ''}: {exc.message}", status=exc.status)
    target = result.get("id", survey_id) if isinstance(result, dict) else survey_id
    return redirect(url_for("web.survey_page", survey_id=target))


@bp.post("/surveys/<int:survey_id>/publish")
@allow("surveys.publish")
def survey_publish(survey_id: int) -> Any:
    return _survey_action(survey_id, lambda: surveys.publish(me(), survey_id))


@bp.post("/surveys/<int:survey_id>/close")
@allow("surveys.close")
def survey_close(survey_id: int) -> Any:
    return _survey_action(survey_id, lambda: surveys.close(me(), survey_id))


@bp.post("/surveys/<int:survey_id>/edit")
@allow("surveys.update")
def survey_edit(survey_id: int) -> Any:
    return _survey_action(
        survey_id, lambda: surveys.update(me(), survey_id, _survey_spec(request.form.get("definition")))
    )


def _per_minute(form: Any) -> int:
    """Invitations a minute from the form (1000 unless a whole number is given)."""
    return whole_number(form.get("per_minute")) or 1000


@bp.post("/surveys/<int:survey_id>/invite")
@allow("surveys.invite")
def survey_invite(survey_id: int) -> Any:
    return _survey_action(survey_id, lambda: surveys.invite(me(), survey_id, _per_minute(request.form)))
