"""Celery entry point: `celery -A backend.worker worker` / `celery -A backend.worker beat`."""

from backend.app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
