"""report_events: a corrected location is an entry of its own (`moved`); a rejection keeps its reason in
`data.reason`, so that the entry's body is only the public comment given with it

Rejections written before kept the reason's code as their body (and lost any comment): the code moves to
`data.reason` and the body empties. On the way down, the reason goes back into the body (a comment given with a
rejection is lost, as it was before) and the `moved` entries become internal notes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 10:00:00
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# Written out rather than read from the models: a migration keeps meaning what it meant when it ran.
OLD_KINDS = (
    "'created','status','reply','note','assignment','priority','recategorised','merged','moderation','supported',"
    "'photo'"
)
NEW_KINDS = (
    "'created','status','reply','note','assignment','priority','recategorised','moved','merged','moderation',"
    "'supported','photo'"
)


def _kinds(kinds: str) -> None:
    op.drop_constraint(op.f("ck_report_events_kind_known"), "report_events", type_="check")
    op.create_check_constraint(op.f("ck_report_events_kind_known"), "report_events", f"kind IN ({kinds})")


def upgrade() -> None:
    _kinds(NEW_KINDS)
    op.execute("""
        UPDATE report_events SET data = data || jsonb_build_object('reason', body), body = NULL
        WHERE kind = 'status' AND to_status = 'rejected' AND body IN ('invalid','duplicate','not_our_responsibility')
    """)


def downgrade() -> None:
    op.execute("""
        UPDATE report_events SET body = data->>'reason', data = data - 'reason'
        WHERE kind = 'status' AND to_status = 'rejected' AND data ? 'reason'
    """)
    op.execute("""
        UPDATE report_events SET kind = 'note', public = false,
            body = 'Location corrected to ' || coalesce(data->>'address', 'a point on the map')
        WHERE kind = 'moved'
    """)
    _kinds(OLD_KINDS)
