"""reports.channel: only the channels of the vocabulary (app, web, open311, phone, counter, email, staff, import)

Rows written before the constraint keep their channel when it is one of these (in any case or with blanks), take
the vocabulary's code for a common synonym ("mobile" → app, "telephone" → phone, "office" → counter, …), and
otherwise become `import`: a row that came neither through the app, Open311 nor a member of staff was loaded by a
script (the history import, seeding).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:30:00
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Written out rather than read from backend.vocabulary: a migration keeps meaning what it meant when it ran.
KNOWN = "channel IN ('app','web','open311','phone','counter','email','staff','import')"
NORMALISE = """
UPDATE reports SET channel = CASE
    WHEN lower(btrim(channel)) IN ('app','web','open311','phone','counter','email','staff','import')
        THEN lower(btrim(channel))
    WHEN lower(btrim(channel)) IN ('mobile','mobile_app','ios','android') THEN 'app'
    WHEN lower(btrim(channel)) IN ('website','www','portal','online','form') THEN 'web'
    WHEN lower(btrim(channel)) IN ('georeport','open311_v2') THEN 'open311'
    WHEN lower(btrim(channel)) IN ('telephone','call','call_centre','call_center','hotline') THEN 'phone'
    WHEN lower(btrim(channel)) IN ('office','desk','in_person','walk_in') THEN 'counter'
    WHEN lower(btrim(channel)) IN ('e-mail','mail') THEN 'email'
    ELSE 'import'
END
WHERE NOT (channel IN ('app','web','open311','phone','counter','email','staff','import'))
"""


def upgrade() -> None:
    op.execute(NORMALISE)
    op.create_check_constraint(op.f("ck_reports_channel_known"), "reports", KNOWN)


def downgrade() -> None:
    op.drop_constraint(op.f("ck_reports_channel_known"), "reports", type_="check")
