"""The managers' dashboard in the staff web UI: overview, an indicator's page, comparison, drill-down, exports.
Pages are rendered on the server; charts and maps are drawn in the browser from the pages' JSON."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request
from openpyxl import Workbook
from openpyxl.styles import Font

from admin.web.common import allow, bp, lang, me, t
from backend import indicators
from backend.errors import DomainError, NotFound
from backend.spreadsheets import append_row, csv_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _args() -> dict[str, Any]:
    return {k: request.args.get(k) or None for k in ("period", "group", "service", "area")}


def fmt(value: float | None, unit: str = "") -> str:
    """A value as managers read it: one decimal (none for large numbers), with its unit."""
    if value is None:
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"
    return f"{text} {unit}".strip() if unit not in ("", "%") else f"{text}{unit}"


@bp.app_template_filter("indicator_value")
def _indicator_value(value: float | None, unit: str = "") -> str:
    return fmt(value, unit)


def _keeping_valid(build: Callable[..., Any], args: dict[str, Any]) -> tuple[Any, str | None, str]:
    """The page for `args`; when a choice is refused, the page for the other choices, why, and the query of the
    choices that stood (for the page's links and chart data)."""
    first: str | None = None
    for _ in range(len(args) + 1):
        try:
            data = build(**args)
            query = urlencode({k: v for k, v in args.items() if v}) if first else request.query_string.decode()
            return data, first, query
        except NotFound:
            raise
        except DomainError as exc:
            if exc.field not in args or args[exc.field] is None:
                raise
            first = first or exc.message
            args = {**args, exc.field: None}
    raise AssertionError("unreachable")  # pragma: no cover - each round leaves one more choice out


@bp.get("/indicators")
@allow("dashboard.view")
def indicators_page() -> Any:
    """The overview; a refused choice (unknown area, service, group or period) answers 422 with why, showing the
    overview of the choices that stand."""
    data, error, query = _keeping_valid(lambda **a: indicators.overview(me(), lang(), **a), _args())
    if error:
        data["error"] = error
    page = render_template("admin/indicators.html", data=data, query=query)
    return page, 422 if error else 200


@bp.get("/indicators/overview.json")
@allow("dashboard.view")
def indicators_json() -> Any:
    return indicators.overview(me(), lang(), **_args())


def _overview_table(data: indicators.Overview) -> tuple[list[str], list[list[Any]]]:
    columns = [
        t("Indicator"),
        t("Code"),
        t("Service"),
        t("Area"),
        t("Period"),
        t("Provenance"),
        t("Value"),
        t("Weighted value"),
        t("95% interval from"),
        t("95% interval to"),
        "n",
        t("Target"),
        t("Status"),
        t("Change"),
        t("Unit"),
    ]
    area = data["area"]["name"] if data["area"] else t("Whole municipality")
    rows = []
    for r in data["rows"]:
        c: Mapping[str, Any] = r["current"] or {}
        shown = c and not c.get("suppressed")
        rows.append(
            [
                r["name"],
                r["code"],
                r["cell_service"]["name"] if r["cell_service"] else t("All services"),
                area,
                r["period"],
                r["provenance"],
                c.get("value") if shown else None,
                c.get("weighted_value") if shown else None,
                c.get("ci_low") if shown else None,
                c.get("ci_high") if shown else None,
                c.get("n"),
                r["target"],
                c.get("status") or "none",
                r["change"]["delta"] if r["change"] else None,
                r["unit"],
            ]
        )
    return columns, rows


def _definitions(items: list[indicators.LocalDefinition] | None = None) -> tuple[list[str], list[list[Any]]]:
    """The definitions sheet: of the given definitions, or of the whole catalogue."""
    columns = [
        t("Code"),
        t("Indicator"),
        t("Description"),
        t("Computation"),
        t("Kind"),
        t("Unit"),
        t("Direction"),
        t("Granularity"),
        t("Target"),
        t("Green from"),
        t("Amber from"),
        t("Baseline"),
        t("Owner"),
        t("Strategic goal"),
        t("Budget task"),
        t("Service cards"),
        t("Provenance"),
    ]
    rows = [
        [
            d["code"],
            d["name"],
            d["description"],
            d["computation"],
            d["kind"],
            d["unit"],
            d["direction"],
            d["granularity"],
            d["target"],
            d["green"],
            d["amber"],
            d["baseline"],
            d["owner"],
            d["links"].get("strategic_goal"),
            d["links"].get("budget_task"),
            ", ".join(d["links"].get("service_cards", [])),
            d["provenance"] or (t("operational (reports)") if d["kind"] == "objective" else t("each apart")),
        ]
        for d in (items if items is not None else indicators.definitions_table(me(), lang()))
    ]
    return columns, rows


def _xlsx(sheets: list[tuple[str, list[str], list[list[Any]]]], name: str) -> Response:
    book = Workbook()
    book.remove(book.active)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title[:31])
        append_row(sheet, columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _csv(columns: list[str], rows: list[list[Any]], name: str) -> Response:
    text = csv_text([columns, *[["" if v is None else v for v in row] for row in rows]], lineterminator="\n")
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/indicators/export.<fmt_>")
@allow("dashboard.view")
def indicators_export(fmt_: str) -> Any:
    data = indicators.overview(me(), lang(), **_args())
    columns, rows = _overview_table(data)
    name = f"indicators-{data['period']}"
    if fmt_ == "csv":
        return _csv(columns, rows, f"{name}.csv")
    if fmt_ == "xlsx":
        return _xlsx([(t("Values"), columns, rows), (t("Definitions"), *_definitions())], f"{name}.xlsx")
    return Response(status=404)


def _page_args() -> dict[str, Any]:
    return {k: request.args.get(k) or None for k in ("period", "service", "area", "compare", "provenance")}


@bp.get("/indicators/<code>")
@allow("dashboard.view")
def indicator_page(code: str) -> Any:
    """An indicator's page; a refused choice answers 422 with why, on the page of the choices that stand (an
    unknown indicator is the not-found page)."""
    data, error, query = _keeping_valid(lambda **a: indicators.indicator_page(me(), lang(), code, **a), _page_args())
    if error:
        data["error"] = error
    page = render_template("admin/indicator.html", data=data, query=query)
    return page, 422 if error else 200


@bp.get("/indicators/<code>/data.json")
@allow("dashboard.view")
def indicator_json(code: str) -> Any:
    return indicators.indicator_page(me(), lang(), code, **_page_args())


@bp.get("/indicators/<code>/services")
@allow("dashboard.view")
def indicator_services(code: str) -> Any:
    """The breakdown by service for one district (the map's click) or the municipality."""
    data = indicators.indicator_page(me(), lang(), code, **_page_args())
    return render_template("admin/_services.html", data=data)


def _page_tables(data: indicators.IndicatorPage) -> list[tuple[str, list[str], list[list[Any]]]]:
    ind = data["indicator"]
    head = [
        t("Period"),
        t("Provenance"),
        t("Value"),
        t("Weighted value"),
        t("95% interval from"),
        t("95% interval to"),
        "n",
        t("Status"),
    ]

    def line(v: indicators.ValueView) -> list[Any]:
        shown = not v["suppressed"]
        return [
            v["period"],
            v["provenance"],
            v["value"] if shown else None,
            v["weighted_value"] if shown else None,
            v["ci_low"] if shown else None,
            v["ci_high"] if shown else None,
            v["n"],
            v["status"],
        ]

    return [
        (t("Trend"), head, [line(v) for v in data["trend"]]),
        (t("Districts"), [t("Area"), *head], [[d["area"]["name"], *line(d)] for d in data["districts"]]),
        (t("Services"), [t("Service"), *head], [[v["service"]["name"], *line(v)] for v in data["services"]]),
        (t("Definitions"), *_definitions([ind])),
    ]


@bp.get("/indicators/<code>/export.<fmt_>")
@allow("dashboard.view")
def indicator_export(code: str, fmt_: str) -> Any:
    data = indicators.indicator_page(me(), lang(), code, **_page_args())
    tables = _page_tables(data)
    name = f"{code}-{data['period']}"
    if fmt_ == "xlsx":
        return _xlsx(tables, f"{name}.xlsx")
    if fmt_ == "csv":
        title, columns, rows = tables[1]
        return _csv(columns, rows, f"{name}-{title}.csv")
    return Response(status=404)


@bp.get("/indicators/<code>/values")
@allow("dashboard.view")
def indicator_members(code: str) -> Any:
    """The drill-down: what one value counted."""
    args = {k: request.args.get(k) or None for k in ("service", "area", "provenance")}
    data = indicators.drill_down(me(), lang(), code, request.args.get("period") or "", **args)
    return render_template("admin/drill.html", data=data)
