"""open311 token

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 03:22:32.690666
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("open311_token", sa.String(length=40), nullable=True))
    op.create_unique_constraint(op.f("uq_reports_open311_token"), "reports", ["open311_token"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_reports_open311_token"), "reports", type_="unique")
    op.drop_column("reports", "open311_token")
