"""map cell versions: a version per grid cell, so that the map's tiles carry ETags that change only with them

Revision ID: 0024
Revises: 0023
Create Date: 2027-01-14 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_cell_versions",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("cx", sa.Integer(), nullable=False),
        sa.Column("cy", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("band", "cx", "cy", name=op.f("pk_report_cell_versions")),
    )
    op.execute("""
        INSERT INTO report_cell_versions (band, cx, cy, version)
        SELECT DISTINCT band, cx, cy, 1 FROM report_cell_totals
    """)


def downgrade() -> None:
    op.drop_table("report_cell_versions")
