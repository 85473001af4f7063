"""The resident API v1 blueprint: one flask-smorest Blueprint that every feature module attaches its routes to."""

from __future__ import annotations

from flask_smorest import Blueprint

from mobile_api.auth import identify

#: The resident pages' templates (autoescaped) are under mobile_api/templates/resident/.
blp = Blueprint(
    "resident",
    __name__,
    url_prefix="/api/v1",
    description="Residents: report and follow problems.",
    template_folder="templates",
)
blp.before_request(identify)

ERRORS = {
    "401": "Missing or invalid device token",
    "404": "Not found",
    "422": "Invalid input",
    "429": "Too many requests",
}
