"""Celery bound to Flask: every task runs inside an app context (its own DB session)."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from backend.settings import Settings


def celery_config(settings: Settings) -> dict[str, Any]:
    """Broker and reliability settings.

    visibility_timeout: a message taken by a worker that dies without acking is redelivered
    after this many seconds. 600 s (10 min) means a killed worker's task runs again within
    minutes, while being far longer than any task here runs (a dispatch of one outbox row or one
    chunk of 500 pushes takes seconds; tasks have a hard time limit of 300 s below it).
    """
    socket_timeout = max(settings.BROKER_PUBLISH_TIMEOUT, 0.5)
    return {
        "broker_url": settings.REDIS_URL,
        "result_backend": None,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": 300,
        "task_soft_time_limit": 240,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": socket_timeout,
        "broker_transport_options": {
            "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
            "socket_connect_timeout": socket_timeout,
            "socket_timeout": max(socket_timeout, 5.0),
            "max_retries": 0,
        },
        "broker_pool_limit": 10,
        "timezone": "UTC",
        "enable_utc": True,
        "worker_hijack_root_logger": False,
        "beat_schedule": beat_schedule(settings),
    }


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The periodic tasks: the sweepers that make a broker outage a delay, and the scheduled jobs."""
    return {
        "outbox-sweep": {
            "task": "hromada.outbox.sweep",
            "schedule": settings.OUTBOX_SWEEP_INTERVAL,
            "options": {"expires": settings.OUTBOX_SWEEP_INTERVAL * 2},
        },
        "push-sweep": {
            "task": "hromada.push.sweep",
            "schedule": settings.PUSH_SWEEP_INTERVAL,
            "options": {"expires": settings.PUSH_SWEEP_INTERVAL * 2},
        },
        "broadcasts-sweep": {
            "task": "hromada.broadcasts.sweep",
            "schedule": settings.PUSH_SWEEP_INTERVAL,
            "options": {"expires": settings.PUSH_SWEEP_INTERVAL * 2},
        },
        "feedback-requests": {
            "task": "hromada.feedback.send",
            "schedule": 60.0,
            "options": {"expires": 60},
        },
        "waste-reminders": {
            "task": "hromada.waste.remind",
            "schedule": 300.0,
            "options": {"expires": 300},
        },
        "indicators-refresh": {
            "task": "hromada.indicators.refresh",
            "schedule": settings.INDICATOR_REFRESH_INTERVAL,
            "options": {"expires": settings.INDICATOR_REFRESH_INTERVAL},
        },
        "indicators-nightly": {
            "task": "hromada.indicators.recompute",
            "schedule": crontab(minute=30, hour=settings.INDICATOR_NIGHTLY_HOUR),
            "options": {"expires": 3600},
        },
        "report-retention": {
            "task": "hromada.reports.retention",
            "schedule": settings.RETENTION_INTERVAL,
            "options": {"expires": settings.RETENTION_INTERVAL},
        },
    }


def celery_init_app(app: Flask, settings: Settings) -> Celery:
    """Create the Celery app of this Flask app (Flask's documented pattern)."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(celery_config(settings))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
