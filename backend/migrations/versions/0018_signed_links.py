"""signed links: each link's nonce, purpose and expiry, used once

E-mailed links (feedback, unsubscribe, password reset) carry a random nonce; the table keeps only its SHA-256,
so a copy of the database gives no working link. A link expires, and acting on it marks it used.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_links",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("subject", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_links")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_signed_links_nonce_hash")),
    )
    op.create_index("ix_signed_links_expires_at", "signed_links", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_signed_links_expires_at", table_name="signed_links")
    op.drop_table("signed_links")
