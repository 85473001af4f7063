"""the application's database role: what it may read and write

The tables belong to the owner (DATABASE_OWNER_URL, used only by `hromada db upgrade`); web, worker and beat
connect as the application role (DATABASE_URL's user), which owns nothing. What it gets is in backend/db_roles.py,
which `hromada db grant` applies again (an install that had one role for both, upgrading to two).

When the application connects as the owner itself (one URL for both), or no application role is named, this
migration changes nothing.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from alembic import context, op

from backend import db_roles

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _app_role() -> str | None:
    """The role to grant to (`hromada db upgrade` passes DATABASE_URL's user), or None: grant nothing."""
    return db_roles.role_to_grant(op.get_bind(), context.config.attributes.get("app_role"))


def upgrade() -> None:
    role = _app_role()
    if role is not None:
        db_roles.grant(op.get_bind(), role)


def downgrade() -> None:
    role = _app_role()
    if role is not None:
        db_roles.revoke(op.get_bind(), role)
