"""queue indexes: a filter on service, department or area together with a status, and overdue counts
answered from the index alone

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 05:00:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN = "status IN ('submitted','acknowledged','in_progress')"


def upgrade() -> None:
    for column in ("service_id", "department_id", "area_id"):
        op.create_index(f"ix_reports_{column[:-3]}_status_requested", "reports", [column, "status", "requested_at"])
    op.drop_index("ix_reports_jurisdiction_due", table_name="reports")
    op.create_index(
        "ix_reports_jurisdiction_due",
        "reports",
        ["jurisdiction_id", "sla_due_at"],
        postgresql_where=OPEN,
        postgresql_include=["status", "department_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_reports_jurisdiction_due", table_name="reports")
    op.create_index("ix_reports_jurisdiction_due", "reports", ["jurisdiction_id", "sla_due_at"], postgresql_where=OPEN)
    for column in ("service_id", "department_id", "area_id"):
        op.drop_index(f"ix_reports_{column[:-3]}_status_requested", table_name="reports")
