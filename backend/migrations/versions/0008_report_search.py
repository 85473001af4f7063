"""report search

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 03:35:58.181396
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("search_tsv", postgresql.TSVECTOR(), nullable=True))
    op.add_column("reports", sa.Column("search_text", sa.Text(), nullable=True))
    op.execute(SEARCH_TRIGGER)
    op.execute("""
        UPDATE reports SET search_text = t.v, search_tsv = to_tsvector('simple', t.v)
        FROM (SELECT id, lower(unaccent(coalesce(public_id, '') || ' ' || coalesce(description, '') || ' '
                                       || coalesce(address, ''))) AS v FROM reports) t
        WHERE reports.id = t.id
    """)
    op.create_index(
        "ix_reports_jurisdiction_due",
        "reports",
        ["jurisdiction_id", "sla_due_at"],
        unique=False,
        postgresql_where="status IN ('submitted','acknowledged','in_progress')",
    )
    op.create_index(
        "ix_reports_jurisdiction_requested", "reports", ["jurisdiction_id", "requested_at", "id"], unique=False
    )
    op.create_index(
        "ix_reports_search_trgm",
        "reports",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index("ix_reports_search_tsv", "reports", ["search_tsv"], unique=False, postgresql_using="gin")


SEARCH_TRIGGER = """
CREATE FUNCTION reports_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := lower(unaccent(coalesce(NEW.public_id, '') || ' ' || coalesce(NEW.description, '') || ' '
                                      || coalesce(NEW.address, '')));
    NEW.search_tsv := to_tsvector('simple', NEW.search_text);
    RETURN NEW;
END $$;
CREATE TRIGGER reports_search BEFORE INSERT OR UPDATE OF public_id, description, address ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_search_refresh();
"""


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS reports_search ON reports")
    op.execute("DROP FUNCTION IF EXISTS reports_search_refresh()")
    op.drop_index("ix_reports_search_tsv", table_name="reports", postgresql_using="gin")
    op.drop_index(
        "ix_reports_search_trgm",
        table_name="reports",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.drop_index("ix_reports_jurisdiction_requested", table_name="reports")
    op.drop_index(
        "ix_reports_jurisdiction_due",
        table_name="reports",
        postgresql_where="status IN ('submitted','acknowledged','in_progress')",
    )
    op.drop_column("reports", "search_text")
    op.drop_column("reports", "search_tsv")
