"""The indicator computations: one SQL statement per indicator, grouped by period × service × area with totals.

Each statement returns the same columns: period, service_id, area_id, gs/ga (1 when the row is the total over
services/areas), provenance, n, sx (sum of the observation), sxx (sum of its square), q (a quantile, where the
computation is one), wv (population-weighted value) and wn (Kish effective n). `backend.services.indicators`
turns them into values, intervals and traffic lights. The rules are the README's ("Quality indicators").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import TextClause, text

DONE = "coalesce(r.resolved_at, r.closed_at)"


@dataclass(frozen=True)
class Rule:
    family: str  # reports | feedback | survey | invitations
    #: proportion (value = 100·Σx/n), quantile (value = q), mean (Σx/n), nps (100·Σx/n), rate (n per 1000 residents)
    shape: str
    x: str = "1"
    where: str = "true"
    quantile: float | None = None
    question_kind: str = "likert5"


RULES: dict[str, Rule] = {
    "pct_resolved_within_sla": Rule(
        "reports",
        "proportion",
        x=f"({DONE} <= r.sla_due_at)::int",
        where=f"r.sla_due_at IS NOT NULL AND r.status <> 'rejected' AND ({DONE} IS NOT NULL OR r.sla_due_at <= :now)",
    ),
    "median_hours_to_resolve": Rule(
        "reports",
        "quantile",
        x=f"extract(epoch FROM {DONE} - r.requested_at) / 3600.0",
        where=f"r.status <> 'rejected' AND {DONE} IS NOT NULL",
        quantile=0.5,
    ),
    "p90_hours_to_resolve": Rule(
        "reports",
        "quantile",
        x=f"extract(epoch FROM {DONE} - r.requested_at) / 3600.0",
        where=f"r.status <> 'rejected' AND {DONE} IS NOT NULL",
        quantile=0.9,
    ),
    "median_hours_to_first_response": Rule(
        "reports",
        "quantile",
        x="extract(epoch FROM least(r.acknowledged_at, r.resolved_at, r.closed_at) - r.requested_at) / 3600.0",
        where="least(r.acknowledged_at, r.resolved_at, r.closed_at) IS NOT NULL",
        quantile=0.5,
    ),
    "reopen_rate": Rule(
        "reports",
        "proportion",
        x="(ro.report_id IS NOT NULL)::int",
        where=f"({DONE} IS NOT NULL OR ro.report_id IS NOT NULL)",
    ),
    "reports_per_1000_residents": Rule("reports", "rate"),
    "resolution_satisfaction_mean": Rule("feedback", "mean", x="fa.satisfaction", where="fa.satisfaction IS NOT NULL"),
    "pct_fixed_per_feedback": Rule("feedback", "proportion", x="fa.fixed::int"),
    "survey_mean": Rule("survey", "mean", x="a.number"),
    "survey_top2box": Rule("survey", "proportion", x="(a.number >= 4)::int"),
    "nps": Rule(
        "survey", "nps", x="CASE WHEN a.number >= 9 THEN 1 WHEN a.number <= 6 THEN -1 ELSE 0 END", question_kind="nps"
    ),
    "survey_response_rate": Rule("invitations", "proportion"),
}

_FILTERS = """
    AND (CAST(:services AS int[]) IS NULL OR {svc} = ANY(CAST(:services AS int[])))
    AND (CAST(:areas AS int[]) IS NULL OR {area} = ANY(CAST(:areas AS int[])))
"""
_RANGE = "{t} >= (CAST(:start AS timestamp) AT TIME ZONE :tz) AND {t} < (CAST(:end AS timestamp) AT TIME ZONE :tz)"
_PERIOD = "date_trunc(:gran, {t} AT TIME ZONE :tz)::date"

# Reports (objective) and feedback (opt-in) are rolled up by GROUPING SETS: medians cannot be summed afterwards.
_COUNTED = """FROM {source}
    WHERE r.jurisdiction_id = :jid AND {range} AND r.merged_into_id IS NULL AND r.status <> 'duplicate'
      AND {where} {filters}"""
_GROUPED = """
WITH base AS (
    SELECT {period} AS period, r.service_id, r.area_id, CAST({x} AS float8) AS x
    {counted}
)
SELECT period, service_id, area_id, GROUPING(service_id) AS gs, GROUPING(area_id) AS ga,
       CAST(:provenance AS text) AS provenance, count(*) AS n, sum(x) AS sx, sum(x * x) AS sxx,
       {quantile} AS q, CAST(NULL AS float8) AS wv, CAST(NULL AS float8) AS wn
FROM base
GROUP BY GROUPING SETS ((period, service_id, area_id), (period, service_id), (period, area_id), (period))
"""

_REOPENED = """reports r LEFT JOIN (
        SELECT DISTINCT e.report_id FROM report_events e JOIN reports rr ON rr.id = e.report_id
        WHERE rr.jurisdiction_id = :jid AND e.kind = 'status' AND e.from_status IN ('resolved', 'closed')
          AND e.to_status IN ('submitted', 'acknowledged', 'in_progress')) ro ON ro.report_id = r.id"""

_FEEDBACK = """feedback_answers fa JOIN feedback_requests fr ON fr.id = fa.request_id
               JOIN reports r ON r.id = fr.report_id"""

# Survey answers: each response carries a design weight d (1 unless the import gave one). Cells first per
# (period, provenance, service, area), then per (period, provenance, area) over all services; each total is the
# post-stratified estimate Σ_a P_a·(Σd·x / Σd)_a / Σ_a P_a over the areas with a population P_a, with the Kish
# effective sample size (Σw)² / Σw², w = P_a·d / (Σd)_a.
_SURVEY = """
WITH base AS (
    SELECT {period} AS period, sr.provenance, sv.id AS service_id, sr.area_id, CAST({x} AS float8) AS x,
           CAST(sr.weight AS float8) AS d
    FROM survey_answers a
    JOIN survey_questions q ON q.id = a.question_id
    JOIN survey_responses sr ON sr.id = a.response_id
    JOIN surveys s ON s.id = sr.survey_id
    LEFT JOIN services sv ON sv.jurisdiction_id = s.jurisdiction_id AND sv.code = q.service_code
    WHERE s.jurisdiction_id = :jid AND {range} AND q.kind = :qkind AND a.number IS NOT NULL AND NOT a.dont_know
      AND (CAST(:provenance AS text) IS NULL OR sr.provenance = CAST(:provenance AS text))
      AND {tag} {filters}
),
sa AS (
    SELECT period, provenance, service_id, area_id, count(*) AS n, sum(x) AS sx, sum(x * x) AS sxx,
           sum(d) AS dd, sum(d * x) AS dx, sum(d * d) AS d2
    FROM base GROUP BY period, provenance, service_id, area_id
),
a AS (
    SELECT period, provenance, area_id, sum(n) AS n, sum(sx) AS sx, sum(sxx) AS sxx, sum(dd) AS dd, sum(dx) AS dx,
           sum(d2) AS d2
    FROM sa GROUP BY period, provenance, area_id
),
cells AS (
    SELECT period, provenance, service_id, area_id, 0 AS gs, 0 AS ga, n, sx, sxx, dd, dx, d2 FROM sa
    UNION ALL
    SELECT period, provenance, NULL, area_id, 1, 0, n, sx, sxx, dd, dx, d2 FROM a
)
SELECT c.period, c.service_id, c.area_id, c.gs, c.ga, c.provenance, c.n, c.sx, c.sxx, CAST(NULL AS float8) AS q,
       CASE WHEN c.area_id IS NOT NULL AND c.dd > 0 THEN c.dx / c.dd END AS wv,
       CASE WHEN c.area_id IS NOT NULL AND c.d2 > 0 THEN c.dd * c.dd / c.d2 END AS wn
FROM cells c
UNION ALL
SELECT c.period, c.service_id, NULL, c.gs, 1, c.provenance, sum(c.n), sum(c.sx), sum(c.sxx), NULL,
       sum(ar.population * c.dx / c.dd) FILTER (WHERE ar.population > 0 AND c.dd > 0)
           / nullif(sum(ar.population) FILTER (WHERE ar.population > 0 AND c.dd > 0), 0),
       power(sum(ar.population) FILTER (WHERE ar.population > 0 AND c.dd > 0), 2)
           / nullif(sum(ar.population::float8 ^ 2 * c.d2 / (c.dd * c.dd))
                    FILTER (WHERE ar.population > 0 AND c.dd > 0), 0)
FROM cells c LEFT JOIN areas ar ON ar.id = c.area_id
GROUP BY c.period, c.provenance, c.service_id, c.gs
"""

# App-survey invitations: per survey version, the distinct devices its invitation broadcasts reached (a reminder
# does not count a device twice) and its responses given after an invitation had reached their device (each device
# answers a version once), in the period of its first invitation; municipality totals only.
_INVITED = """
    SELECT b.survey_id, min(b.send_at) AS first_sent, count(DISTINCT n.device_id) AS invited
    FROM broadcasts b JOIN notifications n ON n.broadcast_id = b.id
    WHERE b.jurisdiction_id = :jid AND b.survey_id IS NOT NULL
    GROUP BY b.survey_id"""
_ANSWERED = """(SELECT count(*) FROM survey_responses x WHERE x.survey_id = {survey} AND x.invitation_id IS NOT NULL)"""
_INVITATIONS = f"""
WITH inv AS ({_INVITED}),
cell AS (
    SELECT {{period}} AS period, least({_ANSWERED.format(survey="inv.survey_id")}, inv.invited) AS answered,
           inv.invited
    FROM inv WHERE {{range}}
)
SELECT period, CAST(NULL AS int) AS service_id, CAST(NULL AS int) AS area_id, 1 AS gs, 1 AS ga,
       'opt-in' AS provenance, sum(invited) AS n, sum(answered) AS sx, sum(answered) AS sxx,
       CAST(NULL AS float8) AS q, CAST(NULL AS float8) AS wv, CAST(NULL AS float8) AS wn
FROM cell GROUP BY period
"""  # noqa: S608 - constants only


def tag_condition(tag: str | None) -> tuple[str, dict[str, str]]:
    """SQL condition on survey questions `q` for a tag: question:CODE, dimension:DIM, service:CODE or *."""
    if tag in (None, "", "*"):
        return "true", {}
    kind, _, value = str(tag).partition(":")
    column = {"question": "q.code", "dimension": "q.dimension", "service": "q.service_code"}[kind]
    return f"{column} = :tag_value", {"tag_value": value}


def statement(computation: str, tag: str | None) -> tuple[TextClause, dict[str, str]]:
    """The statement of a computation and the extra parameters its tag needs."""
    rule = RULES[computation]
    if rule.family == "invitations":
        return text(
            _INVITATIONS.format(period=_PERIOD.format(t="inv.first_sent"), range=_RANGE.format(t="inv.first_sent"))
        ), {}
    if rule.family == "survey":
        condition, params = tag_condition(tag)
        sql = _SURVEY.format(
            period=_PERIOD.format(t="sr.created_at"),
            range=_RANGE.format(t="sr.created_at"),
            x=rule.x,
            tag=condition,
            filters=_FILTERS.format(svc="sv.id", area="sr.area_id"),
        )
        return text(sql), {**params, "qkind": rule.question_kind}
    when, counted = _counted(computation)
    quantile = (
        f"percentile_cont({rule.quantile}) WITHIN GROUP (ORDER BY x)"
        if rule.quantile is not None
        else "CAST(NULL AS float8)"
    )
    sql = _GROUPED.format(period=_PERIOD.format(t=when), x=rule.x, counted=counted, quantile=quantile)
    return text(sql), {}


def _counted(computation: str) -> tuple[str, str]:
    """The time a report-based computation dates its rows by, and the FROM … WHERE of the rows it counts."""
    rule = RULES[computation]
    if rule.family == "feedback":
        when, source = "fr.resolved_at", _FEEDBACK
    else:
        when, source = "r.requested_at", _REOPENED if computation == "reopen_rate" else "reports r"
    return when, _COUNTED.format(
        source=source,
        range=_RANGE.format(t=when),
        where=rule.where,
        filters=_FILTERS.format(svc="r.service_id", area="r.area_id"),
    )


_CELL = """AND (CAST(:cell_service AS int) IS NULL OR {svc} = CAST(:cell_service AS int))
    AND (CAST(:cell_area AS int) IS NULL OR {area} = CAST(:cell_area AS int))"""


def members(computation: str, tag: str | None) -> tuple[TextClause, dict[str, str]]:
    """What one cell (one period: :start…:end; :cell_service, :cell_area, NULL = all) counted. Reports and feedback:
    the first :limit rows, each with the `total` counted (x = the observation: on time 0/1, hours, reopened,
    satisfaction…); survey answers: only their distribution per question (no response is listed); invitations:
    per survey version."""
    rule = RULES[computation]
    if rule.family == "survey":
        condition, params = tag_condition(tag)
        sql = f"""
            SELECT q.code AS question, a.number AS answer, count(*) AS n
            FROM survey_answers a JOIN survey_questions q ON q.id = a.question_id
            JOIN survey_responses sr ON sr.id = a.response_id JOIN surveys s ON s.id = sr.survey_id
            LEFT JOIN services sv ON sv.jurisdiction_id = s.jurisdiction_id AND sv.code = q.service_code
            WHERE s.jurisdiction_id = :jid AND {_RANGE.format(t="sr.created_at")} AND q.kind = :qkind
              AND a.number IS NOT NULL AND NOT a.dont_know AND sr.provenance = CAST(:provenance AS text)
              AND {condition} {_FILTERS.format(svc="sv.id", area="sr.area_id")}
              {_CELL.format(svc="sv.id", area="sr.area_id")}
            GROUP BY q.code, a.number ORDER BY q.code, a.number"""  # noqa: S608 - constants only
        return text(sql), {**params, "qkind": rule.question_kind}
    if rule.family == "invitations":
        sql = f"""
            WITH inv AS ({_INVITED})
            SELECT s.key AS survey, s.version, inv.invited,
                   least({_ANSWERED.format(survey="s.id")}, inv.invited) AS answered
            FROM inv JOIN surveys s ON s.id = inv.survey_id
            WHERE {_RANGE.format(t="inv.first_sent")} ORDER BY s.key, s.version"""  # noqa: S608 - constants only
        return text(sql), {}
    _, counted = _counted(computation)
    feedback = ", fa.fixed, fa.satisfaction" if rule.family == "feedback" else ""
    sql = f"""
        SELECT r.id, r.public_id, r.status, r.requested_at, coalesce(r.resolved_at, r.closed_at) AS resolved_at,
               r.sla_due_at, r.service_id, r.area_id, r.channel, CAST({rule.x} AS float8) AS x{feedback},
               count(*) OVER () AS total
        {counted} {_CELL.format(svc="r.service_id", area="r.area_id")}
        ORDER BY r.requested_at, r.id LIMIT :limit"""  # noqa: S608 - constants only
    return text(sql), {}
