"""Responses stored before responses recorded their invitation get one from the migration, by the application's
rule: the pseudonym of a device an invitation to that survey version had reached, no later than the answer."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from flask import Flask
from sqlalchemy import Connection, create_engine, text

from backend import migrate

SCHEMA = "invitation_backfill"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _scratch_url(database_url: str) -> str:
    sep = "&" if "?" in database_url else "?"
    return f"{database_url}{sep}options={quote(f'-csearch_path={SCHEMA},public')}"


def _insert(conn: Connection, sql: str, **params: object) -> int:
    return int(conn.execute(text(sql + " RETURNING id"), params).scalar_one())


def _pseudonym(secret: str, key: str, device: int) -> str:
    """The application's keyed hash of a device in a survey, written out."""
    return hmac.new(secret.encode(), f"survey:{key}:{device}".encode(), hashlib.sha256).hexdigest()


def test_the_migration_records_the_invitation_of_existing_invited_answers(
    app: Flask, migrated: str, database_owner_url: str
) -> None:
    admin = create_engine(database_owner_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    url = _scratch_url(database_owner_url)
    engine = create_engine(url)
    try:
        migrate.upgrade(url, "0024", version_schema=SCHEMA)
        with engine.begin() as conn:
            j = _insert(
                conn,
                "INSERT INTO jurisdictions (code, slug, name, languages, default_language, timezone, "
                "report_prefix, settings) VALUES ('X1', 'x1', '{}', '{pl}', 'pl', 'Europe/Warsaw', "
                "'X', '{}')",
            )
            survey = _insert(
                conn,
                "INSERT INTO surveys (jurisdiction_id, key, version, status, provenance, title, "
                "intro, service_codes, audience, created_at) VALUES (:j, 'parks', 1, 'published', "
                "'opt-in', '{}', '{}', '{}', 'everyone', :t)",
                j=j,
                t=T0,
            )
            other = _insert(
                conn,
                "INSERT INTO surveys (jurisdiction_id, key, version, status, provenance, title, "
                "intro, service_codes, audience, created_at) VALUES (:j, 'roads', 1, 'published', "
                "'opt-in', '{}', '{}', '{}', 'everyone', :t)",
                j=j,
                t=T0,
            )
            devices = [
                _insert(
                    conn,
                    "INSERT INTO devices (platform, locale, token_hash) VALUES ('android', 'pl', :h)",
                    h=f"token-{i}",
                )
                for i in range(5)
            ]
            first, reminder, roads = (
                _insert(
                    conn,
                    "INSERT INTO broadcasts (jurisdiction_id, topic, audience, texts, private, send_at, "
                    "status, fanout_after, targeted, created_at, survey_id) VALUES (:j, 'surveys', "
                    "'jurisdiction', '{}', true, :t, 'sent', 0, 0, :t, :s)",
                    j=j,
                    t=at,
                    s=s,
                )
                for at, s in ((T0, survey), (T0 + timedelta(days=3), survey), (T0, other))
            )
            reached = [
                (devices[0], first, T0),
                (devices[0], reminder, T0 + timedelta(days=3)),
                (devices[1], reminder, T0 + timedelta(days=3)),
                (devices[2], first, T0),
                (devices[4], roads, T0),
            ]
            for device, broadcast, at in reached:
                conn.execute(
                    text(
                        "INSERT INTO notifications (kind, topic, device_id, jurisdiction_id, broadcast_id, "
                        "locale, title, body, data, created_at) VALUES ('broadcast', 'surveys', :d, :j, :b, "
                        "'pl', 't', 'b', '{}', :t)"
                    ),
                    {"d": device, "j": j, "b": broadcast, "t": at},
                )

            def response(device: int | None, at: datetime, provenance: str = "opt-in") -> int:
                return _insert(
                    conn,
                    "INSERT INTO survey_responses (survey_id, respondent_hash, weight, provenance, "
                    "created_at) VALUES (:s, :h, 1.0, :p, :t)",
                    s=survey,
                    p=provenance,
                    t=at,
                    h=_pseudonym(app.config["SECRET_KEY"], "parks", device) if device is not None else None,
                )

            answers = {
                "after the first invitation": response(devices[0], T0 + timedelta(days=5)),
                "after the reminder, its only invitation": response(devices[1], T0 + timedelta(days=4)),
                "before its invitation": response(devices[2], T0 - timedelta(hours=1)),
                "never invited": response(devices[3], T0 + timedelta(days=1)),
                "invited to another survey only": response(devices[4], T0 + timedelta(days=1)),
                "imported": response(None, T0 + timedelta(days=1), "representative"),
            }
        with app.app_context():  # as `hromada db upgrade` runs it: the deployment's key at hand
            migrate.upgrade(url, "head", version_schema=SCHEMA)
        with engine.connect() as conn:
            got = dict(conn.execute(text("SELECT id, invitation_id FROM survey_responses")).all())
        assert {what: got[rid] for what, rid in answers.items()} == {
            "after the first invitation": first,
            "after the reminder, its only invitation": reminder,
            "before its invitation": None,
            "never invited": None,
            "invited to another survey only": None,
            "imported": None,
        }
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()
