"""One survey with 1,000,000 responses (three questions: Likert 1–5 with "don't know", NPS 0–10, a single
choice; respondents spread over the districts): the results page (`GET /api/admin/surveys/{id}/results`)
through gunicorn against the same GROUP BY statements run directly through psycopg, same run.

    .venv/bin/python bench/survey_results.py [--responses 1000000] [--requests 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from dotenv import load_dotenv
from sqlalchemy.dialects.postgresql import psycopg as pg_dialect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, pct, request, timed_get  # noqa: E402
from bench.seed import dsn, maintain  # noqa: E402

KEY = "bench-1m"


def survey_with_responses(n: int) -> int:
    """The benchmark's survey (created once, topped up to n responses)."""
    from sqlalchemy import select

    from backend import surveys
    from backend.app import create_app
    from backend.db import session
    from backend.models import StaffUser, Survey

    app = create_app()
    with app.app_context():
        staff = session().scalars(select(StaffUser).where(StaffUser.email == "admin@krakow.example")).one()
        found = session().scalars(select(Survey.id).where(Survey.key == KEY)).first()
        session().rollback()
        if found is None:
            found = surveys.create(
                staff,
                {
                    "key": KEY,
                    "title": {"pl": "Benchmark"},
                    "questions": [
                        {"code": "overall", "kind": "likert5", "dont_know": True, "text": {"pl": "Ogólnie"}},
                        {"code": "nps", "kind": "nps", "text": {"pl": "Polecenie"}},
                        {
                            "code": "channel",
                            "kind": "single",
                            "text": {"pl": "Kanał"},
                            "options": [{"code": c, "label": {"pl": c}} for c in ("app", "web", "phone", "office")],
                        },
                    ],
                },
            )["id"]
            surveys.publish(staff, found)
    with psycopg.connect(dsn()) as conn:
        have = conn.execute("SELECT count(*) FROM survey_responses WHERE survey_id = %s", (found,)).fetchone()[0]
        missing = n - have
        if missing > 0:
            t0 = time.perf_counter()
            q = dict(conn.execute("SELECT code, id FROM survey_questions WHERE survey_id = %s", (found,)).fetchall())
            conn.execute(
                """
                WITH areas AS (SELECT array_agg(a.id ORDER BY a.id) AS ids FROM areas a JOIN jurisdictions j
                               ON j.id = a.jurisdiction_id WHERE j.code = '1261011'),
                r AS (INSERT INTO survey_responses (survey_id, respondent_hash, area_id, weight, provenance, created_at)
                      SELECT %(s)s, md5(random()::text || i) || md5(i::text), ids[1 + (i %% array_length(ids, 1))],
                             1.0, 'opt-in', now()
                      FROM generate_series(1, %(n)s) i, areas RETURNING id)
                INSERT INTO survey_answers (response_id, question_id, number, choices, dont_know)
                SELECT r.id, x.q, x.number, x.choices, x.dk FROM r CROSS JOIN LATERAL (VALUES
                    (%(overall)s, CASE WHEN random() < 0.05 THEN NULL ELSE 1 + floor(random() * 5)::int END,
                     NULL::text[], false),
                    (%(nps)s, floor(random() * 11)::int, NULL::text[], false),
                    (%(channel)s, NULL::int, ARRAY[(ARRAY['app','web','phone','office'])[1 + floor(random() * 4)::int]],
                     false)) AS x(q, number, choices, dk)
            """,
                {"s": found, "n": missing, **q},
            )
            conn.execute(
                "UPDATE survey_answers SET dont_know = true WHERE question_id = %s AND number IS NULL", (q["overall"],)
            )
            conn.commit()
            maintain("VACUUM ANALYZE survey_responses", "VACUUM ANALYZE survey_answers")
            print(f"seeded {missing:,} responses in {time.perf_counter() - t0:.1f} s")
    return int(found)


def statements(survey_id: int) -> list[tuple[str, dict[str, Any]]]:
    """The statements the results page runs, compiled."""
    from sqlalchemy import exists, func, select

    from backend.models import SurveyResponse
    from backend.surveys.results import count_statements

    stmts = [
        *count_statements(survey_id).values(),
        select(exists().where(SurveyResponse.survey_id == survey_id, SurveyResponse.weight != 1.0)),
        select(func.count()).where(SurveyResponse.survey_id == survey_id),
    ]
    out = []
    for stmt in stmts:
        compiled = stmt.compile(dialect=pg_dialect.dialect(), compile_kwargs={"render_postcompile": True})
        out.append((str(compiled), dict(compiled.params)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    survey_id = survey_with_responses(args.responses)
    sqls = statements(survey_id)
    with gunicorn(2) as port:
        login = {"email": "admin@krakow.example", "password": "hromada-demo"}
        headers = {"Authorization": f"Bearer {request(port, 'POST', '/api/admin/tokens', login)[1]['token']}"}
        path = f"/api/admin/surveys/{survey_id}/results"
        timed_get(port, path, headers)
        api = [timed_get(port, path, headers) for _ in range(args.requests)]
        direct = []
        with psycopg.connect(dsn()) as conn:
            for _ in range(args.requests):
                t0 = time.perf_counter()
                for sql, params in sqls:
                    conn.execute(sql, params, prepare=False).fetchall()
                direct.append(time.perf_counter() - t0)
        with psycopg.connect(dsn()) as conn:
            total = conn.execute("SELECT count(*) FROM survey_responses WHERE survey_id = %s", (survey_id,)).fetchone()[
                0
            ]
    print(f"survey {survey_id}: {total:,} responses, 3 questions, {args.requests} requests")
    print(f"results page (API)         p50 {pct(api, 0.5):7.1f} ms  p95 {pct(api, 0.95):7.1f} ms")
    print(f"same GROUP BYs via psycopg p50 {pct(direct, 0.5):7.1f} ms  p95 {pct(direct, 0.95):7.1f} ms")
    print(f"ratio p50 {pct(api, 0.5) / pct(direct, 0.5):.2f}  p95 {pct(api, 0.95) / pct(direct, 0.95):.2f}")


if __name__ == "__main__":
    main()
