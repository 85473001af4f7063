"""The shapes of the staff side of surveys: a definition as it comes in and as it is shown, the invitation,
the results. The HTTP schemas in admin/api decide the wire names; these decide the types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, Required, TypedDict


class OptionSpec(TypedDict):
    code: str
    label: dict[str, str]


class Condition(TypedDict):
    code: str
    values: list[str]


class QuestionSpec(TypedDict, total=False):
    code: Required[str]
    kind: Required[str]
    text: Required[dict[str, str]]
    required: bool
    dont_know: bool
    options: list[OptionSpec]
    scale_labels: dict[str, list[str]]
    service_code: str | None
    dimension: str | None
    show_if: Condition | None


class SurveySpec(TypedDict, total=False):
    """A survey definition to store (loaded by the API's schema, or typed in the page); checked by the use case."""

    key: str | None
    title: Required[dict[str, str]]
    intro: dict[str, str]
    service_codes: list[str]
    opens_at: datetime | None
    closes_at: datetime | None
    audience: str
    areas: list[str]
    reporter_services: list[str]
    reporter_days: int | None
    questions: Required[list[QuestionSpec]]


class ShownIf(TypedDict):
    code: str
    values: list[str] | None


class QuestionView(TypedDict):
    code: str
    kind: str
    required: bool
    dont_know: bool
    text: dict[str, str]
    options: list[dict[str, Any]]
    scale_labels: dict[str, Any]
    service_code: str | None
    dimension: str | None
    show_if: ShownIf | None


class ResidentOption(TypedDict):
    code: str
    label: str


class ResidentQuestion(TypedDict):
    code: str
    kind: str
    text: str
    required: bool
    dont_know: bool
    options: list[ResidentOption]
    scale_labels: list[str]
    show_if: ShownIf | None


class ResidentSurvey(TypedDict):
    """A survey as the app shows it, in one language (also the managers' preview, sent as JSON without a
    schema and read by the web page)."""

    id: int
    title: str
    intro: str
    closes_at: datetime | None
    questions: list[ResidentQuestion]


@dataclass(frozen=True, slots=True)
class OpenSurvey:
    """An open survey in a device's list (dumped by the app's schema)."""

    id: int
    title: str
    closes_at: datetime | None
    answered: bool
    questions: int


class SurveyDefinition(TypedDict):
    """A survey version as staff see it (subscripted by callers: `create(...)["id"]`)."""

    id: int
    key: str
    version: int
    status: str
    provenance: str
    title: dict[str, str]
    intro: dict[str, str]
    service_codes: list[str]
    opens_at: datetime | None
    closes_at: datetime | None
    audience: str
    areas: list[str]
    reporter_services: list[str] | None
    reporter_days: int | None
    published_at: datetime | None
    responses: int
    questions: list[QuestionView]


@dataclass(frozen=True, slots=True)
class Invitation:
    """The private broadcast that invites a survey's audience."""

    broadcast_id: int
    survey_id: int
    per_minute: int


class Weighted(TypedDict):
    """Weighted figures of a question (surveys whose responses carry design weights): shares 0–1, NPS in points,
    and the Kish effective sample size they rest on."""

    effective_n: float
    distribution: dict[str, float]
    mean: NotRequired[float]
    top2: NotRequired[float]
    nps: NotRequired[float]


class Summary(TypedDict):
    """A distribution summarised: n always; the rest unless the cell is suppressed (under MIN_CELL)."""

    n: int
    suppressed: bool
    distribution: NotRequired[dict[str, int]]
    mean: NotRequired[float]
    mean_ci: NotRequired[tuple[float, float]]
    top2: NotRequired[float]
    top2_ci: NotRequired[tuple[float, float]]
    nps: NotRequired[float]
    weighted: NotRequired[Weighted]


class QuestionResult(TypedDict):
    code: str
    kind: str
    service_code: str | None
    dimension: str | None
    dont_know: int
    overall: NotRequired[Summary]
    by_area: NotRequired[dict[str, Summary]]


class SurveyResults(TypedDict):
    """A survey version's results (sent as JSON as they are, and read by the web page)."""

    survey_id: int
    key: str
    version: int
    provenance: str
    responses: int
    #: Whether the responses carry design weights (then each summary has its `weighted` figures).
    weighted: bool
    invited: int
    #: Responses given after an invitation had reached their device (the response rate's numerator), and the others.
    invited_responses: int
    uninvited_responses: int
    response_rate: float | None
    min_cell: int
    questions: list[QuestionResult]
