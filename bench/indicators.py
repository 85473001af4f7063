"""The Kraków indicator catalogue recomputed over 1,000,000 reports and 1,000,000 survey answers: the full recompute
(every indicator × 18 districts × the catalogue's services × 24 months, with totals) and the incremental one (the
current month, and the refresh of the months a new report marked), each against the floor of one plain GROUP BY
over the same rows in the same run.

    .venv/bin/python bench/indicators.py [--answers 1000000] [--runs 3]

Needs the seeded reports (bench/seed.py). Seeds, once, a survey whose answers are spread over the 24 months.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import dsn, maintain  # noqa: E402

KEY = "bench-indicators"
SERVICES = ("pothole", "street_light", "overflowing_bin", "greenery", "transport_stop")


def seed_answers(conn: psycopg.Connection, target: int) -> int:
    """A representative survey with one overall-satisfaction question per service (1–5) and an NPS question,
    answers spread over the last 24 months and the 18 districts, topped up to `target` answers."""
    jid = conn.execute("SELECT id FROM jurisdictions WHERE code = '1261011'").fetchone()[0]
    found = conn.execute("SELECT id FROM surveys WHERE key = %s", (KEY,)).fetchone()
    if found is None:
        sid = conn.execute(
            """INSERT INTO surveys (jurisdiction_id, key, version, status, provenance, title, intro,
                              service_codes, audience, created_at, published_at)
                              VALUES (%s, %s, 1, 'closed', 'representative', '{"pl": "Benchmark wskaźników"}', '{}',
                              %s, 'everyone', now(), now()) RETURNING id""",
            (jid, KEY, list(SERVICES)),
        ).fetchone()[0]
        for i, code in enumerate(SERVICES):
            conn.execute(
                """INSERT INTO survey_questions (survey_id, position, code, kind, required, dont_know, text,
                            options, scale_labels, service_code, dimension)
                            VALUES (%s, %s, %s, 'likert5', false, true, '{"pl": "Zadowolenie"}', '[]', '{}', %s,
                            'overall')""",
                (sid, i, f"sat_{code}", code),
            )
        conn.execute(
            """INSERT INTO survey_questions (survey_id, position, code, kind, required, dont_know, text,
                        options, scale_labels) VALUES (%s, 9, 'nps', 'nps', false, false, '{"pl": "Polecenie"}',
                        '[]', '{}')""",
            (sid,),
        )
        conn.commit()
    else:
        sid = found[0]
    have = conn.execute(
        "SELECT count(*) FROM survey_answers a JOIN survey_questions q ON q.id = a.question_id WHERE q.survey_id = %s",
        (sid,),
    ).fetchone()[0]
    missing = target - have
    if missing <= 0:
        return int(sid)
    questions = [
        r[0] for r in conn.execute("SELECT id FROM survey_questions WHERE survey_id = %s ORDER BY position", (sid,))
    ]
    respondents = missing // len(questions) + 1
    t0 = time.perf_counter()
    conn.execute(
        """
        WITH areas AS (SELECT array_agg(a.id ORDER BY a.id) AS ids FROM areas a WHERE a.jurisdiction_id = %(j)s),
        r AS (INSERT INTO survey_responses (survey_id, area_id, weight, provenance, created_at)
              SELECT %(s)s, ids[1 + (i %% array_length(ids, 1))], 0.5 + random(), 'representative',
                     now() - random() * interval '730 days'
              FROM generate_series(1, %(n)s) i, areas RETURNING id)
        INSERT INTO survey_answers (response_id, question_id, number, dont_know)
        SELECT r.id, q.id, CASE WHEN q.pos = 6 THEN floor(random() * 11)::int
                                 ELSE 1 + floor(random() * 5)::int END, false
        FROM r CROSS JOIN unnest(%(q)s::int[]) WITH ORDINALITY AS q(id, pos)
    """,
        {"j": jid, "s": sid, "n": respondents, "q": questions},
    )
    conn.commit()
    maintain("VACUUM ANALYZE survey_responses", "VACUUM ANALYZE survey_answers")
    print(f"seeded {respondents * len(questions):,} survey answers in {time.perf_counter() - t0:.1f} s")
    return int(sid)


def best(runs: int, fn: object) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    from backend.app import create_app
    from backend.indicators import catalogue, compute, periods, refresh

    app = create_app()
    with psycopg.connect(dsn()) as conn:
        seed_answers(conn, args.answers)
        jid, tz = conn.execute("SELECT id, timezone FROM jurisdictions WHERE code = '1261011'").fetchone()
        reports = conn.execute("SELECT count(*) FROM reports WHERE jurisdiction_id = %s", (jid,)).fetchone()[0]
        answers = conn.execute(
            "SELECT count(*) FROM survey_answers a JOIN survey_responses r "
            "ON r.id = a.response_id JOIN surveys s ON s.id = r.survey_id "
            "WHERE s.jurisdiction_id = %s",
            (jid,),
        ).fetchone()[0]
    with app.app_context():
        done = catalogue.load_catalogue("1261011", ROOT / "cities" / "krakow" / "indicators.yaml")
        start = compute.history_start(tz, 24)
        current = periods.align("month", periods.local_today(tz))
        floor_sql = """SELECT service_id, area_id, date_trunc('month', requested_at AT TIME ZONE %(tz)s), count(*)
                       FROM reports WHERE jurisdiction_id = %(j)s
                         AND requested_at >= (%(start)s::timestamp AT TIME ZONE %(tz)s) GROUP BY 1, 2, 3"""
        with psycopg.connect(dsn()) as conn:

            def floor(first: date) -> float:
                return best(
                    args.runs,
                    lambda: conn.execute(floor_sql, {"tz": tz, "j": jid, "start": first}, prepare=False).fetchall(),
                )

            floor_full, floor_month = floor(start), floor(current)
        summary: dict = {}

        def full() -> None:
            summary.update(compute.recompute(jid))

        full_s = best(args.runs, full)
        month_s = best(args.runs, lambda: compute.recompute(jid, current, current))

        def refresh() -> None:  # a report changes: its month is marked in its transaction, the refresh takes it
            with psycopg.connect(dsn()) as conn:
                conn.execute(
                    "UPDATE reports SET status = CASE status WHEN 'submitted' THEN 'acknowledged' "
                    "ELSE 'submitted' END WHERE id = (SELECT max(id) FROM reports WHERE jurisdiction_id = %s "
                    "AND status IN ('submitted', 'acknowledged') AND description LIKE 'Seeded report (%')",
                    (jid,),
                )
            refresh.refresh_dirty()

        refresh.refresh_dirty()  # whatever earlier runs left marked
        refresh_s = best(args.runs, refresh)
    print(
        f"catalogue: {len(summary['indicators'])} indicators ({done}), {reports:,} reports, "
        f"{answers:,} survey answers in the municipality"
    )
    print(f"full recompute {summary['from']}…{summary['to']}: {summary['values']:,} values")
    print(f"floor, one GROUP BY service × area × month over the 24 months' reports: {floor_full:7.2f} s")
    print(
        f"full recompute                       {full_s:7.2f} s  ratio to floor {full_s / floor_full:6.1f}  "
        f"(goal < 60 s: {'met' if full_s < 60 else 'NOT met'})"
    )
    print(f"floor, the same GROUP BY over the current month's reports: {floor_month:7.3f} s")
    print(
        f"incremental recompute, current month {month_s:7.2f} s  ratio to floor {month_s / floor_month:6.1f}  "
        f"(goal < 5 s: {'met' if month_s < 5 else 'NOT met'}; quarterly indicators redo their quarter)"
    )
    print(f"refresh after one report changed     {refresh_s:7.2f} s  ratio to floor {refresh_s / floor_month:6.1f}")


if __name__ == "__main__":
    main()
