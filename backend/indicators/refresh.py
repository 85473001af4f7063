"""Keeping values current: months marked changed by their sources (reports, surveys, feedback) are recomputed
by a periodic task, only for the indicators reading that source; recomputes on request."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from backend import outbox
from backend.db import session, unit_of_work
from backend.indicators.compute import recompute, recompute_in
from backend.indicators.periods import shift
from backend.indicators.sql import RULES
from backend.indicators.views import Recomputed
from backend.models import (
    Indicator,
    IndicatorDirty,
)

#: Which computations a change of each source can move (feedback values take the report's service and area).
_FAMILIES_OF = {"reports": ("reports", "feedback"), "surveys": ("survey", "invitations"), "feedback": ("feedback",)}


def refresh_dirty() -> list[Recomputed]:
    """Recompute the months whose reports, feedback or survey responses changed (marked by triggers), for the
    indicators that read what changed. The marks are taken in a short transaction of their own (a long one would
    hold up the writers that mark them) and put back if the recompute fails; a worker lost in between leaves them
    to the nightly recompute."""
    with unit_of_work() as s:
        claimed = s.execute(
            delete(IndicatorDirty).returning(
                IndicatorDirty.jurisdiction_id, IndicatorDirty.month, IndicatorDirty.source
            )
        ).all()
    work: dict[tuple[int, str], list[date]] = {}
    for jid, month, source in claimed:
        work.setdefault((jid, source), []).append(month)
    done: list[Recomputed] = []
    for (jid, source), months in sorted(work.items()):
        try:
            with unit_of_work() as s:
                codes = [
                    i.code
                    for i in s.scalars(select(Indicator).where(Indicator.jurisdiction_id == jid, Indicator.active))
                    if RULES[i.computation].family in _FAMILIES_OF[source]
                ]
                for first, last in month_runs(months) if codes else []:
                    done.append(recompute_in(s, jid, first, last, codes))
        except Exception:
            with unit_of_work() as s:
                for month in months:
                    s.execute(
                        text(
                            "INSERT INTO indicator_dirty (jurisdiction_id, month, source, since) "
                            "VALUES (:j, :m, :src, now()) ON CONFLICT DO NOTHING"
                        ),
                        {"j": jid, "m": month, "src": source},
                    )
            raise
    return done


def month_runs(months: list[date], most: int = 12) -> list[tuple[date, date]]:
    """Consecutive months as (first, last) runs, so that a change in 2020 and one today do not recompute the
    years between; more than `most` runs become one."""
    ordered = sorted(set(months))
    runs: list[list[date]] = []
    for month in ordered:
        if runs and shift("month", runs[-1][1]) == month:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    if len(runs) > most:
        return [(ordered[0], ordered[-1])]
    return [(a, b) for a, b in runs]


def recompute_all() -> list[Recomputed]:
    """The nightly full recompute of every municipality that has indicators."""
    ids = session().scalars(select(Indicator.jurisdiction_id).where(Indicator.active).distinct()).all()
    session().rollback()
    return [recompute(jid) for jid in sorted(ids)]


@shared_task(name="hromada.indicators.refresh", ignore_result=True)
def refresh_task() -> int:
    return len(refresh_dirty())


@shared_task(name="hromada.indicators.recompute", ignore_result=True)
def recompute_task(jurisdiction_id: int | None = None, codes: list[str] | None = None) -> int:
    if jurisdiction_id is None:
        return len(recompute_all())
    return int(recompute(jurisdiction_id, codes=codes)["values"])


@outbox.handles("IndicatorsRecomputeRequested")
def _on_recompute_requested(s: Session, payload: dict[str, Any]) -> None:
    bounds = [date.fromisoformat(payload[k]) if payload.get(k) else None for k in ("from", "to")]
    recompute_in(s, int(payload["jurisdiction_id"]), bounds[0], bounds[1], codes=payload.get("codes") or None)
