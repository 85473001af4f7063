"""The one flask-smorest blueprint of the staff API (/api/admin); each area module attaches its routes to it."""

from __future__ import annotations

from flask_smorest import Blueprint

from admin.api.auth import identify

blp = Blueprint("staff", __name__, url_prefix="/api/admin", description="Staff: triage and moderation.")
blp.before_request(identify)
