"""survey response invitation: the invitation that had reached the answering device, for the response rate

Existing responses are matched as the application matches them: a response is an invited device's when its
pseudonym is that of a device an invitation to the survey version had reached, no later than the answer. The
pseudonyms are keyed with the deployment's SECRET_KEY (the `hromada db upgrade` command's, else the
environment's); without it, or for a response whose pseudonym an erasure removed, the response stays without one.

Revision ID: 0025
Revises: 0024
Create Date: 2027-01-20 10:00:00
"""

import hashlib
import hmac
import json
import os

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

#: Responses updated per statement.
CHUNK = 5000


def _secret() -> bytes | None:
    """The key the pseudonyms were made with: the running app's (the CLI's), else the environment's."""
    if has_app_context() and current_app.config.get("SECRET_KEY"):
        return str(current_app.config["SECRET_KEY"]).encode()
    key = os.environ.get("SECRET_KEY")
    return key.encode() if key else None


def _backfill(conn: sa.Connection, secret: bytes) -> None:
    """Per survey version: its invited devices (the first invitation reaching each), their pseudonyms, and the
    responses under those pseudonyms given no earlier than that invitation."""
    surveys = conn.execute(
        sa.text(
            "SELECT DISTINCT s.id, s.key FROM surveys s JOIN broadcasts b ON b.survey_id = s.id "
            "WHERE EXISTS (SELECT 1 FROM survey_responses r WHERE r.survey_id = s.id AND r.respondent_hash IS NOT NULL)"
        )
    ).all()
    update = sa.text(
        "UPDATE survey_responses r SET invitation_id = v.broadcast_id "
        "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(h text, broadcast_id int, reached timestamptz) "
        "WHERE r.survey_id = :survey AND r.respondent_hash = v.h AND r.created_at >= v.reached"
    )
    for survey_id, key in surveys:
        reached = conn.execute(
            sa.text(
                "SELECT DISTINCT ON (n.device_id) n.device_id, n.broadcast_id, n.created_at "
                "FROM notifications n JOIN broadcasts b ON b.id = n.broadcast_id "
                "WHERE b.survey_id = :survey AND n.device_id IS NOT NULL ORDER BY n.device_id, n.created_at, n.id"
            ),
            {"survey": survey_id},
        ).all()
        rows = [
            {
                "h": hmac.new(secret, f"survey:{key}:{device_id}".encode(), hashlib.sha256).hexdigest(),
                "broadcast_id": broadcast_id,
                "reached": at.isoformat(),
            }
            for device_id, broadcast_id, at in reached
        ]
        for start in range(0, len(rows), CHUNK):
            conn.execute(update, {"rows": json.dumps(rows[start : start + CHUNK]), "survey": survey_id})


def upgrade() -> None:
    op.add_column("survey_responses", sa.Column("invitation_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_survey_responses_invitation_id_broadcasts"),
        "survey_responses",
        "broadcasts",
        ["invitation_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "ix_survey_responses_invitation",
        "survey_responses",
        ["invitation_id"],
        unique=False,
        postgresql_where="invitation_id IS NOT NULL",
    )
    secret = _secret()
    if secret is not None:
        _backfill(op.get_bind(), secret)


def downgrade() -> None:
    op.drop_index(
        "ix_survey_responses_invitation", table_name="survey_responses", postgresql_where="invitation_id IS NOT NULL"
    )
    op.drop_constraint(op.f("fk_survey_responses_invitation_id_broadcasts"), "survey_responses", type_="foreignkey")
    op.drop_column("survey_responses", "invitation_id")
