"""Celery entry point: `celery -A backend.worker worker` / `celery -A backend.worker beat`."""

from backend.app import create_app
from backend.settings import ConfigurationError

try:
    flask_app = create_app()
except ConfigurationError as exc:  # e.g. no SECRET_KEY: the worker and the beat refuse to start, saying why
    raise SystemExit(str(exc)) from None
celery = flask_app.extensions["celery"]
