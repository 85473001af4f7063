"""map cell totals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:08:07.313130
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_cell_totals",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("cx", sa.Integer(), nullable=False),
        sa.Column("cy", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum_lon", sa.Double(), nullable=False),
        sa.Column("sum_lat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("band", "cx", "cy", "status", "service_id", name=op.f("pk_report_cell_totals")),
    )
    op.execute("""
        INSERT INTO report_cell_totals (band, cx, cy, status, service_id, count, sum_lon, sum_lat)
        SELECT band, cx, cy, status, service_id, sum(count), sum(sum_lon), sum(sum_lat)
        FROM report_cell_counts GROUP BY band, cx, cy, status, service_id
    """)


def downgrade() -> None:
    op.drop_table("report_cell_totals")
