"""reports: retention finds the reports that left the open states with a reporter still linked

Retention now counts from the moment a report left the open states, whichever state it reached (closed, rejected,
merged as a duplicate, resolved), not from `closed_at` alone: the index of closed reports gives way to a partial
index of every finished report whose reporter is still linked, per municipality.

Revision ID: 0023
Revises: 0022
Create Date: 2027-01-12 10:00:00
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

FINISHED = (
    "status IN ('resolved','closed','rejected','duplicate') AND anonymised_at IS NULL AND reporter_id IS NOT NULL"
)
CLOSED = "anonymised_at IS NULL AND reporter_id IS NOT NULL"


def upgrade() -> None:
    op.drop_index("ix_reports_closed_not_anonymised", table_name="reports", postgresql_where=CLOSED)
    op.create_index(
        "ix_reports_finished_not_anonymised", "reports", ["jurisdiction_id"], unique=False, postgresql_where=FINISHED
    )


def downgrade() -> None:
    op.drop_index("ix_reports_finished_not_anonymised", table_name="reports", postgresql_where=FINISHED)
    op.create_index("ix_reports_closed_not_anonymised", "reports", ["closed_at"], unique=False, postgresql_where=CLOSED)
