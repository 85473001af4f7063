"""Settings come from the environment; Celery is configured for at-least-once, redelivered work."""

from __future__ import annotations

from backend.celery_app import celery_config
from backend.settings import Settings


def test_settings_are_read_from_the_given_environment_with_types() -> None:
    s = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+psycopg://x@db/h",
            "PORT": "9000",
            "OUTBOX_HANDLER_MODULES": "a.b, c.d",
            "BROKER_PUBLISH_TIMEOUT": "0.25",
        }
    )
    assert s.DATABASE_URL == "postgresql+psycopg://x@db/h"
    assert s.PORT == 9000 and s.BROKER_PUBLISH_TIMEOUT == 0.25
    assert s.OUTBOX_HANDLER_MODULES == ("a.b", "c.d")


def test_explicit_overrides_win_over_the_environment_and_extras_are_kept() -> None:
    s = Settings.from_env({"REDIS_URL": "redis://env/0"}, REDIS_URL="redis://override/1", TESTING=True)
    assert s.REDIS_URL == "redis://override/1"
    assert s.extra == {"TESTING": True}


def test_a_killed_workers_task_is_redelivered_within_minutes_but_after_any_task_could_finish() -> None:
    cfg = celery_config(Settings.from_env({}))
    assert cfg["task_acks_late"] and cfg["task_reject_on_worker_lost"]
    assert cfg["worker_prefetch_multiplier"] == 1
    assert cfg["accept_content"] == ["json"] and cfg["task_serializer"] == "json"
    visibility = cfg["broker_transport_options"]["visibility_timeout"]
    assert cfg["task_time_limit"] < visibility <= 15 * 60


def test_the_sweeper_is_scheduled_at_the_configured_interval() -> None:
    cfg = celery_config(Settings.from_env({"OUTBOX_SWEEP_INTERVAL": "7"}))
    assert cfg["beat_schedule"]["outbox-sweep"]["task"] == "hromada.outbox.sweep"
    assert cfg["beat_schedule"]["outbox-sweep"]["schedule"] == 7.0


def test_handled_outbox_rows_are_kept_two_weeks_unless_configured() -> None:
    assert Settings.from_env({}).OUTBOX_KEEP_DONE_DAYS == 14
    assert Settings.from_env({"OUTBOX_KEEP_DONE_DAYS": "30"}).OUTBOX_KEEP_DONE_DAYS == 30
