"""WSGI entry point for gunicorn: `gunicorn backend.wsgi:app`."""

from backend.app import create_app
from backend.db_roles import warn_if_privileged

app = create_app()
warn_if_privileged(app, "web")
