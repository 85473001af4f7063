"""Retention: reporters' contact data unlinked from reports closed longer ago than the retention period; e-mail
links that expired long ago deleted."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update

from backend import links
from backend.db import unit_of_work
from backend.models import (
    Jurisdiction,
    Report,
    utcnow,
)
from backend.residents.devices import delete_orphan_residents

#: An expired e-mail link is kept this long, so that it still opens the page saying it expired (then, "not valid").
LINKS_KEPT_AFTER_EXPIRY = timedelta(days=90)


def apply_retention(default_months: int) -> int:
    """Unlink reporters from reports closed longer ago than the retention period; returns how many."""
    now = utcnow()
    total = 0
    with unit_of_work() as s:
        for jurisdiction in s.scalars(select(Jurisdiction)):
            months = int(jurisdiction.settings.get("retention_months", default_months))
            cutoff = now - relativedelta(months=months)
            result = s.execute(
                update(Report)
                .where(
                    Report.jurisdiction_id == jurisdiction.id,
                    Report.closed_at < cutoff,
                    Report.reporter_id.is_not(None),
                )
                .values(reporter_id=None, anonymised_at=now)
                .returning(Report.id)
            )
            total += len(result.all())
        delete_orphan_residents(s)
        links.purge(s, LINKS_KEPT_AFTER_EXPIRY)
    return total
