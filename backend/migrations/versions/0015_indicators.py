"""quality indicators, their values, dirty months, imported request history

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 07:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Statement-level triggers (transition tables): one small INSERT per statement, whatever its row count, marks the
# local calendar months whose indicator values a change touches.
_MARK = """
CREATE FUNCTION indicator_mark_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO indicator_dirty (jurisdiction_id, month, source, since)
    SELECT DISTINCT {select}
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
"""
_REPORT_FIELDS = (
    "status",
    "resolved_at",
    "closed_at",
    "acknowledged_at",
    "sla_due_at",
    "service_id",
    "area_id",
    "merged_into_id",
    "requested_at",
)
_TRIGGERS = {
    "reports_insert": (
        "n.jurisdiction_id, date_trunc('month', n.requested_at AT TIME ZONE j.timezone)::date, 'reports', now() "
        "FROM new_rows n JOIN jurisdictions j ON j.id = n.jurisdiction_id",
        "AFTER INSERT ON reports REFERENCING NEW TABLE AS new_rows",
    ),
    "reports_update": (
        "n.jurisdiction_id, date_trunc('month', n.requested_at AT TIME ZONE j.timezone)::date, 'reports', now() "
        "FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN jurisdictions j ON j.id = n.jurisdiction_id "
        f"WHERE ({', '.join('n.' + f for f in _REPORT_FIELDS)}) "
        f"IS DISTINCT FROM ({', '.join('o.' + f for f in _REPORT_FIELDS)})",
        "AFTER UPDATE ON reports REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
    ),
    "responses_insert": (
        "s.jurisdiction_id, date_trunc('month', n.created_at AT TIME ZONE j.timezone)::date, 'surveys', now() "
        "FROM new_rows n JOIN surveys s ON s.id = n.survey_id JOIN jurisdictions j ON j.id = s.jurisdiction_id",
        "AFTER INSERT ON survey_responses REFERENCING NEW TABLE AS new_rows",
    ),
    "feedback_insert": (
        "r.jurisdiction_id, date_trunc('month', fr.resolved_at AT TIME ZONE j.timezone)::date, 'feedback', now() "
        "FROM new_rows n JOIN feedback_requests fr ON fr.id = n.request_id JOIN reports r ON r.id = fr.report_id "
        "JOIN jurisdictions j ON j.id = r.jurisdiction_id",
        "AFTER INSERT ON feedback_answers REFERENCING NEW TABLE AS new_rows",
    ),
}


def upgrade() -> None:
    op.add_column("services", sa.Column("imported", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("reports", sa.Column("import_ref", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_reports_import_ref",
        "reports",
        ["jurisdiction_id", "import_ref"],
        unique=True,
        postgresql_where="import_ref IS NOT NULL",
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("description", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("computation", sa.String(length=40), nullable=False),
        sa.Column("tag", sa.String(length=80), nullable=True),
        sa.Column("service_codes", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("area_codes", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("provenance", sa.String(length=16), nullable=True),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("baseline_period", sa.String(length=16), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("green", sa.Float(), nullable=True),
        sa.Column("amber", sa.Float(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("links", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("direction IN ('higher','lower')", name=op.f("ck_indicators_direction_known")),
        sa.CheckConstraint("kind IN ('objective','subjective')", name=op.f("ck_indicators_kind_known")),
        sa.CheckConstraint("granularity IN ('month','quarter','year')", name=op.f("ck_indicators_granularity_known")),
        sa.CheckConstraint(
            "provenance IS NULL OR provenance IN ('opt-in','representative')",
            name=op.f("ck_indicators_provenance_known"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_indicators_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    op.create_index("uq_indicators_jurisdiction_code", "indicators", ["jurisdiction_id", "code"], unique=True)
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("provenance", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("weighted_value", sa.Float(), nullable=True),
        sa.Column("effective_n", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provenance IN ('operational','opt-in','representative')", name=op.f("ck_indicator_values_provenance_known")
        ),
        sa.CheckConstraint(
            "status IN ('green','amber','red','none','suppressed')", name=op.f("ck_indicator_values_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_values_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_indicator_values_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_indicator_values_service_id_services"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_indicator_values_area_id_areas"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
    )
    op.create_index(
        "uq_indicator_values_cell",
        "indicator_values",
        [
            "indicator_id",
            "period_start",
            sa.text("coalesce(service_id, 0)"),
            sa.text("coalesce(area_id, 0)"),
            "provenance",
        ],
        unique=True,
    )
    op.create_index("ix_indicator_values_jurisdiction_period", "indicator_values", ["jurisdiction_id", "period_start"])
    op.create_table(
        "indicator_dirty",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_indicator_dirty_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("source IN ('reports','surveys','feedback')", name=op.f("ck_indicator_dirty_source_known")),
        sa.PrimaryKeyConstraint("jurisdiction_id", "month", "source", name=op.f("pk_indicator_dirty")),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("rejected", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("services_created", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_import_runs_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    for name, (select, when) in _TRIGGERS.items():
        op.execute(_MARK.format(name=name, select=select))
        op.execute(
            f"CREATE TRIGGER indicator_mark_{name} {when} FOR EACH STATEMENT EXECUTE FUNCTION indicator_mark_{name}()"
        )


def downgrade() -> None:
    for name, (_select, when) in _TRIGGERS.items():
        table = when.split(" ON ")[1].split()[0]
        op.execute(f"DROP TRIGGER indicator_mark_{name} ON {table}")
        op.execute(f"DROP FUNCTION indicator_mark_{name}()")
    op.drop_table("import_runs")
    op.drop_table("indicator_dirty")
    op.drop_index("ix_indicator_values_jurisdiction_period", table_name="indicator_values")
    op.drop_index("uq_indicator_values_cell", table_name="indicator_values")
    op.drop_table("indicator_values")
    op.drop_index("uq_indicators_jurisdiction_code", table_name="indicators")
    op.drop_table("indicators")
    op.drop_index("uq_reports_import_ref", table_name="reports", postgresql_where="import_ref IS NOT NULL")
    op.drop_column("reports", "import_ref")
    op.drop_column("services", "imported")
