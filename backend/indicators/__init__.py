"""Quality indicators: periods, the catalogue of definitions, their computation in SQL, the refresh of changed
months, the values feed, and the managers' dashboard."""

from backend.indicators.compute import (
    VALUE_FIELDS,
    IndicatorSpec,
    LinksSchema,
    create,
    definition,
    definitions,
    jurisdiction_by_slug,
    load_catalogue,
    parse_period,
    recompute,
    request_recompute,
    status_of,
    update,
    values,
)
from backend.indicators.dashboard import definitions_table, drill_down, indicator_page, overview

__all__ = [
    "VALUE_FIELDS",
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
