"""report facet counts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 03:54:54.912568
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_facet_counts",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "jurisdiction_id",
            "department_id",
            "service_id",
            "area_id",
            "status",
            "priority",
            "hidden",
            name=op.f("pk_report_facet_counts"),
        ),
    )
    op.execute("""
        INSERT INTO report_facet_counts
            (jurisdiction_id, department_id, service_id, area_id, status, priority, hidden, count)
        SELECT jurisdiction_id, coalesce(department_id, 0), service_id, coalesce(area_id, 0), status, priority,
               hidden, count(*)
        FROM reports GROUP BY 1, 2, 3, 4, 5, 6, 7
    """)


def downgrade() -> None:
    op.drop_table("report_facet_counts")
