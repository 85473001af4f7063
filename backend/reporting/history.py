"""Import historical service requests (a city's 311 export as CSV, or GeoReport v2 JSON) as closed or open reports,
so that indicators have a history from the first day."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypedDict, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from backend.db import unit_of_work
from backend.errors import DomainError, NotFound
from backend.i18n import gettext
from backend.models import ImportRun, Jurisdiction, Service
from backend.reporting import counts

#: Accepted column names per field, first match wins (Boston's export, GeoReport v2 names, plain names).
ALIASES = {
    "ref": ("CASE_ENQUIRY_ID", "service_request_id", "id", "ref"),
    "type": ("TYPE", "service_name", "service_code", "type"),
    "opened": ("OPEN_DT", "requested_datetime", "opened", "requested_at"),
    "due": ("TARGET_DT", "expected_datetime", "due", "sla_due_at"),
    "closed": ("CLOSED_DT", "closed_datetime", "closed", "closed_at"),
    "lat": ("LATITUDE", "lat", "latitude"),
    "lon": ("LONGITUDE", "long", "lon", "longitude"),
    "description": ("CASE_TITLE", "description"),
    "address": ("Location", "address"),
}
_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
REJECTIONS = {
    "no_type": "no request type",
    "bad_time": "no readable request time (or an unreadable due/close time)",
    "closes_before_opens": "closes before it opens",
    "no_location": "no coordinates",
    "outside": "outside the municipality's areas",
}


def parse_time(value: str | None, tz: ZoneInfo) -> datetime | None:
    """A timestamp from the file: with an offset as given, without one in the municipality's time zone (a wall
    time that occurs twice at the end of summer time is read as the first). Empty: None; unreadable: ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _open(path: Path) -> TextIO:
    raw = path.open("rb")
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8-sig", newline="")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _records(path: Path) -> Iterator[dict[str, Any]]:
    """The file's requests as dicts with the ALIASES' keys (GeoReport v2: a closed request's close time is its
    updated_datetime, the standard having no field of its own for it)."""
    with _open(path) as fh:
        head = fh.read(1)
        fh.seek(0)
        if head in ("[", "{"):
            data = json.load(fh)
            items = data.get("requests", data.get("service_requests", [])) if isinstance(data, dict) else data
            items = cast(list[Any], items)
            for item in items:
                if not isinstance(item, dict):
                    yield {}
                    continue
                closed = item.get("updated_datetime") if str(item.get("status", "")).lower() == "closed" else None
                yield {
                    "ref": item.get("service_request_id"),
                    "type": item.get("service_name") or item.get("service_code"),
                    "opened": item.get("requested_datetime"),
                    "due": item.get("expected_datetime"),
                    "closed": closed,
                    "lat": item.get("lat"),
                    "lon": item.get("long"),
                    "description": item.get("description"),
                    "address": item.get("address"),
                }
            return
        reader = csv.DictReader(fh)
        columns = {
            key: next((c for c in names if c in (reader.fieldnames or [])), None) for key, names in ALIASES.items()
        }
        missing = [k for k in ("type", "opened", "lat", "lon") if columns[k] is None]
        if missing:
            raise DomainError(
                f"{path.name}: no column for {', '.join(missing)} (accepted names: "
                f"{'; '.join('/'.join(ALIASES[k]) for k in missing)})",
                field="path",
            )
        for row in reader:
            yield {key: row.get(col) if col else None for key, col in columns.items()}


def slug(value: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")[:60] or "type"


def _services(s: Any, jurisdiction: Jurisdiction, types: set[str]) -> tuple[dict[str, int], list[str]]:
    """Request type -> service id: a service whose code is the type's slug or whose name (any language) is the type;
    otherwise a new service flagged as imported (not offered to residents)."""
    found = s.execute(
        select(Service.id, Service.code, Service.name).where(Service.jurisdiction_id == jurisdiction.id)
    ).all()
    by_code = {row.code: row.id for row in found}
    by_name = {name.strip().lower(): row.id for row in found for name in (row.name or {}).values()}
    mapping: dict[str, int] = {}
    created: list[str] = []
    for kind in sorted(types):
        sid = by_code.get(kind) or by_code.get(slug(kind)) or by_name.get(kind.strip().lower())
        if sid is None:
            code, i = slug(kind), 1
            while code in by_code:
                i += 1
                code = f"{slug(kind)[:58]}_{i}"
            service = Service(
                jurisdiction_id=jurisdiction.id,
                code=code,
                name={"en": kind, jurisdiction.default_language: kind},
                active=False,
                imported=True,
                position=1000 + len(created),
            )
            s.add(service)
            s.flush()
            sid = by_code[code] = service.id
            created.append(code)
        mapping[kind] = sid
    return mapping, created


_STAGE = """
CREATE TEMP TABLE import_rows (line int, ref text, kind text, requested_at timestamptz, due_at timestamptz,
    closed_at timestamptz, lon float8, lat float8, description text, address text, service_id int, area_id int)
    ON COMMIT DROP
"""
_LOCATE = """
UPDATE import_rows t SET area_id = (
    SELECT p.area_id FROM area_pieces p JOIN areas a ON a.id = p.area_id
    WHERE a.jurisdiction_id = :j AND ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326))
    ORDER BY a.code LIMIT 1)
"""
_INSERT = """
WITH fresh AS (
    SELECT DISTINCT ON (coalesce(t.ref, 'line:' || t.line)) t.*
    FROM import_rows t
    WHERE t.area_id IS NOT NULL
      AND (t.ref IS NULL OR NOT EXISTS (SELECT 1 FROM reports r WHERE r.jurisdiction_id = :j AND r.import_ref = t.ref))
    ORDER BY coalesce(t.ref, 'line:' || t.line), t.line
),
numbered AS (
    SELECT f.*, extract(year FROM f.requested_at AT TIME ZONE :tz)::int AS year,
           row_number() OVER (PARTITION BY extract(year FROM f.requested_at AT TIME ZONE :tz)
                              ORDER BY f.requested_at, f.line) AS k
    FROM fresh f
),
added AS (
    INSERT INTO reports (public_id, jurisdiction_id, area_id, service_id, department_id, description, location,
                         address, answers, status, priority, locale, channel, anonymous, support_count, hidden,
                         requested_at, updated_at, resolved_at, closed_at, sla_due_at, import_ref)
    SELECT :prefix || '-' || n.year || '-' || lpad(x.num::text, greatest(6, length(x.num::text)), '0'), :j, n.area_id,
           n.service_id, sv.department_id, coalesce(nullif(n.description, ''), n.kind),
           ST_SetSRID(ST_MakePoint(n.lon, n.lat), 4326)::geography, nullif(n.address, ''), '{}'::jsonb,
           CASE WHEN n.closed_at IS NULL THEN 'submitted' ELSE 'closed' END, 'normal', :lang, 'import', false, 0,
           false, n.requested_at, coalesce(n.closed_at, n.requested_at), n.closed_at, n.closed_at, n.due_at,
           coalesce(n.ref, 'line:' || n.line)
    FROM numbered n JOIN services sv ON sv.id = n.service_id
    LEFT JOIN report_counters c ON c.jurisdiction_id = :j AND c.year = n.year
    CROSS JOIN LATERAL (SELECT coalesce(c.last_number, 0) + n.k AS num) x
    RETURNING id, requested_at, closed_at, public_id
)
INSERT INTO import_added (id, requested_at, closed_at, year)
SELECT id, requested_at, closed_at, split_part(public_id, '-', 2)::int FROM added
"""
_AFTER = [
    """INSERT INTO report_events (report_id, kind, public, to_status, data, created_at)
       SELECT id, 'created', true, 'submitted', '{"imported": true}'::jsonb, requested_at FROM import_added""",
    """INSERT INTO report_events (report_id, kind, public, from_status, to_status, data, created_at)
       SELECT id, 'status', true, 'submitted', 'closed', '{"imported": true}'::jsonb, closed_at
       FROM import_added WHERE closed_at IS NOT NULL""",
    """INSERT INTO report_counters (jurisdiction_id, year, last_number)
       SELECT :j, year, count(*) FROM import_added GROUP BY year
       ON CONFLICT (jurisdiction_id, year)
       DO UPDATE SET last_number = report_counters.last_number + EXCLUDED.last_number""",
]


def _row(line: int, rec: dict[str, Any], tz: ZoneInfo, rejected: Counter[str]) -> tuple[Any, ...] | None:
    """One record as a staging row, or None after counting the reason it is rejected for."""
    kind = (rec.get("type") or "").strip()
    if not kind:
        rejected["no_type"] += 1
        return None
    try:
        opened = parse_time(rec.get("opened"), tz)
        due = parse_time(rec.get("due"), tz)
        closed = parse_time(rec.get("closed"), tz)
    except ValueError:
        rejected["bad_time"] += 1
        return None
    if opened is None:
        rejected["bad_time"] += 1
        return None
    if closed is not None and closed < opened:
        rejected["closes_before_opens"] += 1
        return None
    try:
        lat, lon = float(rec.get("lat") or "nan"), float(rec.get("lon") or "nan")
    except (TypeError, ValueError):
        lat = lon = float("nan")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        rejected["no_location"] += 1
        return None
    ref = str(rec["ref"]).strip()[:64] if rec.get("ref") not in (None, "") else None
    return (
        line,
        ref,
        kind[:200],
        opened,
        due,
        closed,
        lon,
        lat,
        (rec.get("description") or "")[:2000],
        (rec.get("address") or "")[:300],
    )


def _read(path: Path, tz: ZoneInfo, rejected: Counter[str]) -> tuple[list[tuple[Any, ...]], int]:
    """The file's acceptable rows and how many records were read (rejections counted in `rejected`)."""
    rows: list[tuple[Any, ...]] = []
    read = 0
    try:
        for line, rec in enumerate(_records(path), start=1):
            read += 1
            row = _row(line, rec, tz, rejected)
            if row is not None:
                rows.append(row)
    except (json.JSONDecodeError, UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
        raise DomainError(f"{path.name}: unreadable ({exc})", field="path") from exc
    return rows, read


def _stage(conn: Any, rows: list[tuple[Any, ...]], mapping: dict[str, int]) -> None:
    """Create the temporary tables and copy the rows (with their service ids) into import_rows."""
    conn.execute(text(_STAGE))
    conn.execute(
        text(
            "CREATE TEMP TABLE import_added (id bigint, requested_at timestamptz, "
            "closed_at timestamptz, year int) ON COMMIT DROP"
        )
    )
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY import_rows (line, ref, kind, requested_at, due_at, closed_at, lon, "
            "lat, description, address, service_id) FROM STDIN"
        ) as copy,
    ):
        for r in rows:
            copy.write_row((*r, mapping[r[2]]))


def _insert(conn: Any, jurisdiction: Jurisdiction, rejected: Counter[str]) -> int:
    """Locate the staged rows, insert the new ones as reports with their events and counts; returns how many
    were imported (those outside every area are counted in `rejected`)."""
    conn.execute(text(_LOCATE), {"j": jurisdiction.id})
    outside = conn.execute(text("SELECT count(*) FROM import_rows WHERE area_id IS NULL")).scalar()
    rejected["outside"] = int(outside or 0)
    params = {
        "j": jurisdiction.id,
        "tz": jurisdiction.timezone,
        "prefix": jurisdiction.report_prefix,
        "lang": jurisdiction.default_language,
    }
    conn.execute(text(_INSERT), params)
    imported = int(conn.execute(text("SELECT count(*) FROM import_added")).scalar() or 0)
    for stmt in _AFTER:
        conn.execute(text(stmt), params)
    counts.add_reports(conn, "SELECT id FROM import_added")
    return imported


class ImportSummary(TypedDict):
    """What an import read, imported, found already there, rejected (per reason) and created (read by the CLI)."""

    read: int
    imported: int
    already: int
    rejected: dict[str, int]
    services_created: list[str]


def import_requests(jurisdiction_code: str, path: Path) -> ImportSummary:
    """Import a file of historical requests into a municipality; returns what was read, imported, already there,
    rejected (per reason) and which services were created. One transaction: an error leaves nothing behind."""
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(gettext("Unknown municipality."), field="jurisdiction")
        rejected: Counter[str] = Counter()
        rows, read = _read(path, ZoneInfo(jurisdiction.timezone), rejected)
        mapping, created = _services(s, jurisdiction, {r[2] for r in rows})
        conn = s.connection()
        _stage(conn, rows, mapping)
        imported = _insert(conn, jurisdiction, rejected)
        already = len(rows) - rejected["outside"] - imported
        summary: ImportSummary = {
            "read": read,
            "imported": imported,
            "already": already,
            "rejected": {k: v for k, v in rejected.items() if v},
            "services_created": created,
        }
        s.add(
            ImportRun(
                jurisdiction_id=jurisdiction.id,
                source=str(path),
                read=read,
                imported=imported,
                already=already,
                rejected=summary["rejected"],
                services_created=created,
            )
        )
    return summary
