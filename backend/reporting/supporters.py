"""Residents supporting a report ("me too") and withdrawing their support."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from backend.db import unit_of_work
from backend.errors import Conflict
from backend.i18n import gettext
from backend.models import (
    OPEN_STATUSES,
    Device,
    Report,
    ReportEvent,
    ReportSupport,
    utcnow,
)
from backend.reporting.reads import find_visible


@dataclass(frozen=True, slots=True)
class SupportState:
    report_id: int
    supported: bool
    support_count: int


def support(device: Device, report_ref: str) -> SupportState:
    """ "Me too": one support per device; repeating it changes nothing."""
    with unit_of_work() as s:
        report = find_visible(s, report_ref)
        if report.device_id == device.id:
            raise Conflict(gettext("You cannot support your own report."))
        if report.status not in OPEN_STATUSES:
            raise Conflict(gettext("This report is no longer open."))
        inserted = s.execute(
            pg_insert(ReportSupport)
            .values(report_id=report.id, device_id=device.id)
            .on_conflict_do_nothing()
            .returning(ReportSupport.report_id)
        ).first()
        if inserted is not None:
            s.execute(update(Report).where(Report.id == report.id).values(support_count=Report.support_count + 1))
            s.execute(
                insert(ReportEvent).values(
                    report_id=report.id, kind="supported", public=False, actor_device_id=device.id, created_at=utcnow()
                )
            )
        s.refresh(report)
        count = report.support_count
    return SupportState(report_id=report.id, supported=True, support_count=count)


def withdraw_support(device: Device, report_ref: str) -> SupportState:
    """Withdraw a "me too"; withdrawing twice changes nothing."""
    with unit_of_work() as s:
        report = find_visible(s, report_ref)
        mine = ReportSupport.report_id == report.id, ReportSupport.device_id == device.id
        removed = cast(CursorResult[Any], s.execute(delete(ReportSupport).where(*mine))).rowcount
        if removed:
            s.execute(
                update(Report)
                .where(Report.id == report.id)
                .values(support_count=func.greatest(Report.support_count - 1, 0))
            )
        s.refresh(report)
        count = report.support_count
    return SupportState(report_id=report.id, supported=False, support_count=count)
