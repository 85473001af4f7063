"""Periodic and background tasks that are not outbox handlers."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from backend.reporting.retention import apply_retention


@shared_task(name="hromada.reports.retention", ignore_result=True)
def retention() -> int:
    """Unlink reporters' contact data from reports closed longer ago than the retention period."""
    return apply_retention(current_app.config["HROMADA_SETTINGS"].RETENTION_MONTHS)
