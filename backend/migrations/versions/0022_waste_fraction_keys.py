"""Waste fractions: the service catalogue uses the waste calendar's keys (`plastics_metal`, not `plastic_metal`)

Kraków's "missed collection" question offered `plastic_metal` while the calendar and its reminders say
`plastics_metal`. The reports already answered with the old key, and the question's stored options, take the
calendar's key; on the way down they take the old key again.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Written out rather than read from the models: a migration keeps meaning what it meant when it ran.
ANSWERS = sa.text(
    """
    UPDATE reports
       SET answers = jsonb_set(answers, '{fraction}', replace((answers->'fraction')::text, :old, :new)::jsonb)
     WHERE answers->'fraction' @> to_jsonb(CAST(:old_key AS text))
    """
)
OPTIONS = sa.text(
    """
    UPDATE service_questions
       SET options = replace(options::text, :old_option, :new_option)::jsonb
     WHERE options @> jsonb_build_array(jsonb_build_object('key', CAST(:old_key AS text)))
    """
)


def _rename(old: str, new: str) -> None:
    op.execute(ANSWERS.bindparams(old=f'"{old}"', new=f'"{new}"', old_key=old))
    op.execute(OPTIONS.bindparams(old_option=f'"key": "{old}"', new_option=f'"key": "{new}"', old_key=old))


def upgrade() -> None:
    _rename("plastic_metal", "plastics_metal")


def downgrade() -> None:
    _rename("plastics_metal", "plastic_metal")
