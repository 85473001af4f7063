"""The one flask-smorest blueprint of the staff API (/api/admin); each area module attaches its routes to it."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from admin.api.auth import identify

blp = Blueprint("staff", __name__, url_prefix="/api/admin", description="Staff: triage and moderation.")
blp.before_request(identify)


@blp.after_request
def _no_store(response: Response) -> Response:
    """No cache (a browser's, a proxy's) keeps a staff answer: some carry bearer tokens, second-factor secrets,
    recovery codes, API keys or residents' personal data."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response
