"""report_events: a merge is one public entry on the duplicate, its status change to `duplicate`, which names the
report it went into (`data.master_id`, `data.master`, its public id)

Merges written before also kept a public `merged` entry: it becomes internal, and their status entries learn the
report they went into. On the way down the `merged` entries are public again (the names in `data` stay, unread).

Revision ID: 0026
Revises: 0025
Create Date: 2027-01-20 10:00:00
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        UPDATE report_events e
        SET data = coalesce(e.data, '{}'::jsonb) || jsonb_build_object('master_id', m.id, 'master', m.public_id)
        FROM reports r JOIN reports m ON m.id = r.merged_into_id
        WHERE e.report_id = r.id AND e.kind = 'status' AND e.to_status = 'duplicate'
          AND NOT coalesce(e.data, '{}'::jsonb) ? 'master'
    """)
    op.execute("UPDATE report_events SET public = false WHERE kind = 'merged' AND public")


def downgrade() -> None:
    op.execute("UPDATE report_events SET public = true WHERE kind = 'merged' AND NOT public")
