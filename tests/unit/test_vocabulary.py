"""One vocabulary: every code of the product has its words in Polish, Ukrainian and English, and the models'
tuples are the vocabulary's codes in its order."""

from __future__ import annotations

import ast
import re
from enum import StrEnum
from pathlib import Path

import pytest
import yaml

from backend import i18n, models, vocabulary
from backend.models import indicators as indicator_models
from backend.models import surveys as survey_models
from backend.vocabulary import (
    LABELS,
    VOCABULARIES,
    AuditAction,
    Channel,
    LightStatus,
    Priority,
    Provenance,
    RejectReason,
    ReportStatus,
    Role,
    Topic,
    Unit,
    choices,
    label,
)
from push.render import STATUS_TEXT

ROOT = Path(__file__).resolve().parents[2]
EVERY_CODE = [(name, member) for name, cls in VOCABULARIES.items() for member in cls]


def test_every_vocabulary_has_a_table_and_every_table_a_vocabulary() -> None:
    assert set(LABELS) == set(VOCABULARIES.values())
    for cls in VOCABULARIES.values():
        assert set(LABELS[cls]) == {m.value for m in cls}, cls.__name__


@pytest.mark.parametrize(("vocabulary_name", "code"), EVERY_CODE, ids=[f"{n}:{c}" for n, c in EVERY_CODE])
def test_every_code_has_words_in_every_language(vocabulary_name: str, code: StrEnum) -> None:
    words = LABELS[type(code)][code]
    assert set(words) == {"en", "pl", "uk"}
    for lang in ("en", "pl", "uk"):
        assert words[lang].strip() == words[lang] != "", (lang, words)
        assert label(code, lang) == words[lang]
    for lang in ("pl", "uk"):  # a translation, not the code shown again
        assert words[lang].casefold() != code.value.casefold(), (lang, words)


def test_the_vocabulary_speaks_the_languages_of_the_catalogues() -> None:
    assert set(vocabulary.LANGUAGES) == set(i18n.LANGUAGES) == set(models.LANGUAGES)
    assert vocabulary.DEFAULT_LANGUAGE == i18n.DEFAULT_LANGUAGE


def test_the_models_tuples_are_the_vocabulary_s_codes_in_its_order() -> None:
    expected = {
        models.STATUSES: ReportStatus,
        models.PRIORITIES: Priority,
        models.REPORT_CHANNELS: Channel,
        models.ROLES: Role,
        models.TOPICS: Topic,
        models.VALUE_PROVENANCES: Provenance,
        indicator_models.STATUSES: LightStatus,
        models.UNITS: Unit,
    }
    for constant, cls in expected.items():
        assert constant == tuple(m.value for m in cls), cls.__name__
        assert all(type(code) is str for code in constant), cls.__name__  # plain strings, as before
    assert tuple(vocabulary.OPEN_REPORT_STATUSES) == models.OPEN_STATUSES
    assert tuple(vocabulary.SURVEY_PROVENANCES) == survey_models.PROVENANCES
    assert set(models.DEFAULT_TOPICS) <= set(models.TOPICS)


def test_the_codes_and_their_order_stay_what_they_were() -> None:
    """The codes are stored in rows and named by the APIs: renaming one needs a migration, not an edit here."""
    assert models.STATUSES == (
        "submitted",
        "acknowledged",
        "in_progress",
        "resolved",
        "closed",
        "rejected",
        "duplicate",
    )
    assert models.OPEN_STATUSES == ("submitted", "acknowledged", "in_progress")
    assert models.PRIORITIES == ("low", "normal", "high", "urgent")
    assert models.ROLES == ("admin", "manager", "dispatcher", "department_staff", "viewer")
    assert models.TOPICS == (
        "my_reports",
        "emergency",
        "weather",
        "waste",
        "transport",
        "events",
        "surveys",
        "city_news",
    )
    assert models.DEFAULT_TOPICS == ("my_reports", "emergency")
    assert models.VALUE_PROVENANCES == ("operational", "opt-in", "representative")
    assert survey_models.PROVENANCES == ("opt-in", "representative")
    assert indicator_models.STATUSES == ("green", "amber", "red", "none", "suppressed")
    assert tuple(RejectReason) == ("invalid", "duplicate", "not_our_responsibility")
    assert models.REPORT_CHANNELS == ("app", "web", "open311", "phone", "counter", "email", "staff", "import")


def test_the_model_constraints_list_the_vocabulary() -> None:
    checks = {
        (t.name, c.name): str(c.sqltext)
        for t in models.Base.metadata.tables.values()
        for c in t.constraints
        if c.name and str(c.name).startswith("ck_")
    }
    assert checks[("reports", "ck_reports_channel_known")] == (
        "channel IN ('app','web','open311','phone','counter','email','staff','import')"
    )
    assert checks[("reports", "ck_reports_status_known")] == (
        "status IN ('submitted','acknowledged','in_progress','resolved','closed','rejected','duplicate')"
    )
    assert checks[("staff_users", "ck_staff_users_role_known")] == (
        "role IN ('admin','manager','dispatcher','department_staff','viewer')"
    )


def test_label_falls_back_to_english_and_leaves_an_unknown_code_as_it_is() -> None:
    assert label("in_progress", "pl") == "W realizacji"
    assert label("in_progress", "uk") == "У роботі"
    assert label("in_progress", "en") == "In progress"
    assert label("in_progress", "uk-UA") == "У роботі"
    assert label("in_progress", "de") == label("in_progress", None) == "In progress"
    assert label("no_such_code", "pl") == "no_such_code"
    assert label("", "pl") == "" and label(None, "pl") == ""
    assert label("in_progress", "pl", "no_such_vocabulary") == "in_progress"


def test_a_code_in_two_vocabularies_is_told_apart_by_its_member_or_its_vocabulary() -> None:
    assert ReportStatus.DUPLICATE == RejectReason.DUPLICATE == "duplicate"
    assert label("duplicate", "en") == LABELS[ReportStatus]["duplicate"]["en"]  # a plain code: a status first
    assert label(RejectReason.DUPLICATE, "uk") == LABELS[RejectReason]["duplicate"]["uk"]
    assert label("duplicate", "pl", RejectReason) == label("duplicate", "pl", "reject_reason")
    assert label("invalid", "pl", "reject_reason") == "Nieprawidłowe zgłoszenie"


def test_choices_are_the_options_of_a_select_in_the_vocabulary_s_order() -> None:
    assert choices(Priority, "pl") == [("low", "Niski"), ("normal", "Zwykły"), ("high", "Wysoki"), ("urgent", "Pilny")]
    assert [code for code, _ in choices(Channel, "uk")] == list(models.REPORT_CHANNELS)
    assert dict(choices(RejectReason, "en"))["duplicate"] == LABELS[RejectReason]["duplicate"]["en"]


def test_every_unit_of_the_cities_catalogues_has_words() -> None:
    for catalogue in sorted((ROOT / "cities").glob("*/indicators.yaml")):
        data = yaml.safe_load(catalogue.read_text())
        items = data.get("indicators", data) if isinstance(data, dict) else data
        units = {item["unit"] for item in items if isinstance(item, dict) and "unit" in item}
        assert units and units <= set(Unit), (catalogue, units - set(Unit))


def _named(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _action_argument(call: ast.Call) -> ast.expr | None:
    """The action of `audit.record(s, who, ACTION, …)` or of triage's `_act(staff, report_id, version, ACTION, …)`."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "record" and _named(func.value, "audit"):
        index = 2
    elif _named(func, "_act"):
        index = 3
    else:
        return None
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == "action"), None)


def _audited_actions() -> set[str]:
    """The action codes the use cases hand to the audit log."""
    found: set[str] = set()
    for path in (ROOT / "backend").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            arg = _action_argument(node) if isinstance(node, ast.Call) else None
            if arg is not None:
                found |= {c.value for c in ast.walk(arg) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return found


def test_every_audited_action_has_words() -> None:
    audited = _audited_actions()
    assert {"report.status", "report.assign", "login", "survey.publish", "broadcast.create"} <= audited
    assert audited <= set(AuditAction), audited - set(AuditAction)


def test_the_notification_texts_cover_the_vocabulary() -> None:
    assert set(STATUS_TEXT) <= set(ReportStatus)
    # A rejection's reason is told in the vocabulary's words, in each language.
    assert all(label(r, lang, RejectReason) != r for r in RejectReason for lang in ("pl", "uk", "en"))


def test_every_broadcast_status_and_audience_the_database_allows_has_words() -> None:
    checks = {
        c.name: str(c.sqltext)
        for c in models.Base.metadata.tables["broadcasts"].constraints
        if c.name and hasattr(c, "sqltext")
    }
    for name, cls in (
        ("ck_broadcasts_status_known", vocabulary.BroadcastStatus),
        ("ck_broadcasts_audience_known", vocabulary.Audience),
    ):
        allowed = re.findall(r"'([^']+)'", checks[name])
        assert allowed == [m.value for m in cls], name
        assert all(label(code, "uk", cls) != code for code in allowed), name
