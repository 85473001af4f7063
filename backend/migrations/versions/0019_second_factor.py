"""staff second factor: TOTP secrets and one-time recovery codes

A staff member's TOTP secret (encrypted with a key derived from SECRET_KEY), when it was confirmed, the last
time step a code was accepted for (a code is accepted once), and the SHA-256 digests of the unused one-time
recovery codes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 18:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff_users", sa.Column("totp_secret", sa.String(length=255), nullable=True))
    op.add_column("staff_users", sa.Column("totp_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("staff_users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column(
        "staff_users",
        sa.Column(
            "totp_recovery_hashes",
            postgresql.ARRAY(sa.String(length=64)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_staff_users_totp_confirmed_has_secret"),
        "staff_users",
        "totp_confirmed_at IS NULL OR totp_secret IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_staff_users_totp_confirmed_has_secret"), "staff_users", type_="check")
    op.drop_column("staff_users", "totp_recovery_hashes")
    op.drop_column("staff_users", "totp_last_step")
    op.drop_column("staff_users", "totp_confirmed_at")
    op.drop_column("staff_users", "totp_secret")
