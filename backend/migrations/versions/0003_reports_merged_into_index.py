"""index reports by merged_into

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:54:18.057934
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reports_merged_into",
        "reports",
        ["merged_into_id"],
        unique=False,
        postgresql_where="merged_into_id IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_index("ix_reports_merged_into", table_name="reports", postgresql_where="merged_into_id IS NOT NULL")
