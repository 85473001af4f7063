"""outbox: an index of the handled rows by the time they were handled, for the sweeper's purge of old ones

The sweeper deletes `done` rows handled more than OUTBOX_KEEP_DONE_DAYS ago, a batch at a time, oldest first;
this partial index holds only `done` rows, so finding a batch is a short range scan whatever the size of the table.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 17:00:00
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_done_processed", "outbox", ["processed_at"], unique=False, postgresql_where="status = 'done'"
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_done_processed", table_name="outbox", postgresql_where="status = 'done'")
