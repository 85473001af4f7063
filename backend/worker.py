"""Celery entry point: `celery -A backend.worker worker` / `celery -A backend.worker beat`."""

from backend.app import create_app
from backend.db_roles import warn_if_privileged
from backend.settings import ConfigurationError

try:
    flask_app = create_app()
except ConfigurationError as exc:  # e.g. no SECRET_KEY: the worker and the beat refuse to start, saying why
    raise SystemExit(str(exc)) from None
warn_if_privileged(flask_app, "the worker or beat")
celery = flask_app.extensions["celery"]
