"""Asking residents "is it fixed?" after a resolution: the request scheduled with the status change and sent
when due (push or e-mail)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from backend.db import unit_of_work
from backend.models import FeedbackRequest, Report, utcnow
from backend.outbox import add_event

DEFAULT_DELAY_HOURS = 48


BATCH = 200


def schedule(s: Session, report: Report) -> None:
    """Called when a report becomes resolved (in that transaction): ask after the jurisdiction's delay."""
    hours = float(report.jurisdiction.settings.get("feedback_delay_hours", DEFAULT_DELAY_HOURS))
    now = utcnow()
    s.execute(
        insert(FeedbackRequest)
        .values(report_id=report.id, resolved_at=now, due_at=now + timedelta(hours=hours))
        .on_conflict_do_nothing()
    )


def send_due(limit: int = BATCH) -> int:
    """Requests whose time has come: one outbox event each (the notifications go out from there)."""
    with unit_of_work() as s:
        due = s.execute(
            select(FeedbackRequest.id, FeedbackRequest.report_id, Report.status)
            .join(Report, Report.id == FeedbackRequest.report_id)
            .where(FeedbackRequest.sent_at.is_(None), FeedbackRequest.due_at <= utcnow())
            .order_by(FeedbackRequest.due_at)
            .limit(limit)
            .with_for_update(of=FeedbackRequest, skip_locked=True)
        ).all()
        for request_id, report_id, status in due:
            if status in ("resolved", "closed"):  # reopened meanwhile: nothing to ask about
                add_event(s, "report.feedback_requested", {"report_id": report_id, "request_id": request_id})
        if due:
            s.execute(
                update(FeedbackRequest).where(FeedbackRequest.id.in_([d[0] for d in due])).values(sent_at=utcnow())
            )
    return len(due)


@shared_task(name="hromada.feedback.send", ignore_result=True)
def send_task() -> int:
    return send_due()
