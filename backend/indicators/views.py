"""The shapes of the indicators' use cases: a definition (as the catalogue stores it, and in one language), the
names a page looks codes up in, a stored value as the dashboard shows it, the overview, an indicator's page and
a drill-down. All of them are sent as JSON as they are (the dashboard's data endpoints) and read by the web's
exports, so they are TypedDicts; the HTTP schemas in admin/api decide the catalogue's wire names."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class IndicatorFields(TypedDict, total=False):
    """An indicator's fields as IndicatorSpec loads them (all of them to create one, any subset to change one)."""

    code: str
    name: dict[str, str]
    description: dict[str, str]
    unit: str
    direction: str
    kind: str
    computation: str
    services: list[str]
    areas: list[str]
    provenance: str | None
    granularity: str
    baseline: float | None
    baseline_period: str | None
    target: float | None
    green: float | None
    amber: float | None
    owner: str | None
    links: dict[str, Any]
    public: bool
    active: bool


class _DefinitionCommon(TypedDict):
    code: str
    unit: str
    direction: str
    kind: str
    computation: str
    services: list[str]
    areas: list[str]
    provenance: str | None
    granularity: str
    baseline: float | None
    baseline_period: str | None
    target: float | None
    green: float | None
    amber: float | None
    owner: NotRequired[str | None]  # left out of the open-data view
    links: dict[str, Any]
    public: bool
    active: bool
    updated_at: str | None


class IndicatorDefinition(_DefinitionCommon):
    """An indicator's definition with its names and descriptions per language (subscripted: `create(...)["code"]`)."""

    name: dict[str, str]
    description: dict[str, str]


class LocalDefinition(_DefinitionCommon):
    """An indicator's definition with its name and description in one language."""

    name: str
    description: str


class CatalogueLoad(TypedDict):
    created: int
    updated: int
    kept: int


RecomputeAccepted = TypedDict(
    "RecomputeAccepted", {"accepted": bool, "codes": "list[str] | str", "from": "str | None", "to": "str | None"}
)


class ServiceRef(TypedDict):
    id: int
    code: str
    name: str
    group_id: int | None


class AreaRef(TypedDict):
    id: int
    code: str
    name: str
    population: int | None


class GroupRef(TypedDict):
    id: int
    code: str
    name: str


class Lookups(TypedDict):
    """The municipality's services, areas and service groups by code, named in one language."""

    services: dict[str, ServiceRef]
    areas: dict[str, AreaRef]
    groups: dict[str, GroupRef]


class Choices(TypedDict):
    services: list[ServiceRef]
    areas: list[AreaRef]
    groups: list[GroupRef]


class ValueView(TypedDict):
    """A stored value as the dashboard shows it."""

    period: str
    period_start: str
    provenance: str
    n: int
    value: float | None
    weighted_value: float | None
    headline: float | None
    ci_low: float | None
    ci_high: float | None
    effective_n: float | None
    numerator: float | None
    denominator: float | None
    status: str
    suppressed: bool


class DistrictValue(ValueView):
    area: AreaRef
    signal: str


class ServiceValue(ValueView):
    service: ServiceRef


class Change(TypedDict):
    delta: float
    better: bool | None


class SeriesPoint(TypedDict):
    period: str
    value: float | None


class OverviewRow(LocalDefinition):
    """One line of the overview: the definition, the value of the period, the change, the sparkline."""

    cell_service: ServiceRef | None
    period: str
    current: ValueView | None
    change: Change | None
    series: list[SeriesPoint]


class Overview(TypedDict):
    period: str
    periods: list[str]
    group: GroupRef | None
    service: ServiceRef | None
    area: AreaRef | None
    rows: list[OverviewRow]
    choices: Choices
    error: NotRequired[str]  # set by the web page when the filters were refused


class IndicatorPage(TypedDict):
    indicator: LocalDefinition
    period: str
    compare: str
    service: ServiceRef | None
    area: AreaRef | None
    provenance: str | None
    provenances: list[str]
    trend: list[ValueView]
    total: ValueView | None
    districts: list[DistrictValue]
    total_compare: ValueView | None
    districts_compare: dict[str, DistrictValue]
    services: list[ServiceValue]
    periods: list[str]
    choices: Choices


class DrillDown(TypedDict):
    """What one value counted. `items` are the rows of the computation's own member query (reports, answer
    counts or invitations: their columns depend on the computation)."""

    indicator: LocalDefinition
    kind: str
    family: str
    period: str
    service: ServiceRef | None
    area: AreaRef | None
    provenance: str | None
    total: int
    items: list[dict[str, Any]]
    shape: str


#: What one recompute did (subscripted by the CLI; "from" and "to" are the months, YYYY-MM).
Recomputed = TypedDict(
    "Recomputed",
    {"jurisdiction_id": int, "indicators": list[str], "values": int, "from": str, "to": str, "seconds": float},
)
