"""report supports, idempotency hash, anonymisation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:30:59.300327
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_supports",
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_report_supports_device_id_devices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_supports_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("report_id", "device_id", name=op.f("pk_report_supports")),
    )
    op.create_index(op.f("ix_report_supports_device_id"), "report_supports", ["device_id"], unique=False)
    op.add_column("reports", sa.Column("idempotency_hash", sa.String(length=64), nullable=True))
    op.add_column("reports", sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_reports_closed_not_anonymised",
        "reports",
        ["closed_at"],
        unique=False,
        postgresql_where="anonymised_at IS NULL AND reporter_id IS NOT NULL",
    )
    op.create_index("ix_reports_device_requested", "reports", ["device_id", "requested_at"], unique=False)
    op.create_index("ix_reports_reporter", "reports", ["reporter_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reports_reporter", table_name="reports")
    op.drop_index("ix_reports_device_requested", table_name="reports")
    op.drop_index(
        "ix_reports_closed_not_anonymised",
        table_name="reports",
        postgresql_where="anonymised_at IS NULL AND reporter_id IS NOT NULL",
    )
    op.drop_column("reports", "anonymised_at")
    op.drop_column("reports", "idempotency_hash")
    op.drop_index(op.f("ix_report_supports_device_id"), table_name="report_supports")
    op.drop_table("report_supports")
