"""Quality indicators: periods, the catalogue of definitions, their computation in SQL, the refresh of changed
months, the values feed, and the managers' dashboard."""

from backend.indicators.catalogue import (
    IndicatorSpec,
    LinksSchema,
    create,
    definition,
    definitions,
    load_catalogue,
    request_recompute,
    update,
)
from backend.indicators.compute import recompute, status_of
from backend.indicators.dashboard import definitions_table, overview
from backend.indicators.drill import drill_down
from backend.indicators.feed import VALUE_FIELDS, jurisdiction_by_slug, values
from backend.indicators.page import indicator_page
from backend.indicators.periods import parse_period
from backend.indicators.views import (
    DrillDown,
    IndicatorDefinition,
    IndicatorFields,
    IndicatorPage,
    LocalDefinition,
    Overview,
    RecomputeAccepted,
    Recomputed,
    ValueView,
)

__all__ = [
    "VALUE_FIELDS",
    "DrillDown",
    "IndicatorDefinition",
    "IndicatorFields",
    "IndicatorPage",
    "LocalDefinition",
    "Overview",
    "RecomputeAccepted",
    "Recomputed",
    "ValueView",
    "IndicatorSpec",
    "LinksSchema",
    "create",
    "definition",
    "definitions",
    "definitions_table",
    "drill_down",
    "indicator_page",
    "jurisdiction_by_slug",
    "load_catalogue",
    "overview",
    "parse_period",
    "recompute",
    "request_recompute",
    "status_of",
    "update",
    "values",
]
