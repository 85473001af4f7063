"""photos, map cell counts, address register

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:59:07.198552
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_cell_counts",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("cx", sa.Integer(), nullable=False),
        sa.Column("cy", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum_lon", sa.Double(), nullable=False),
        sa.Column("sum_lat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("band", "cx", "cy", "status", "service_id", "day", name=op.f("pk_report_cell_counts")),
    )
    op.create_index(
        "ix_report_cell_counts_band_day",
        "report_cell_counts",
        ["band", "day", "cx", "cy"],
        unique=False,
        postgresql_include=["status", "service_id", "count", "sum_lon", "sum_lat"],
    )
    op.create_geospatial_table(
        "addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("street_uk", sa.String(length=200), nullable=True),
        sa.Column("house_number", sa.String(length=32), nullable=False),
        sa.Column("postcode", sa.String(length=16), nullable=True),
        sa.Column(
            "point",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("search", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_addresses_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    op.create_index("ix_addresses_jurisdiction", "addresses", ["jurisdiction_id"], unique=False)
    op.create_geospatial_index(
        "ix_addresses_point", "addresses", ["point"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(
        "ix_addresses_search_trgm",
        "addresses",
        ["search"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.create_table(
        "photos",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("original_type", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("has_thumbnail", sa.Boolean(), nullable=False),
        sa.Column("external_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("state IN ('pending','approved','hidden')", name=op.f("ck_photos_state_known")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_photos_device_id_devices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["moderated_by_id"], ["staff_users.id"], name=op.f("fk_photos_moderated_by_id_staff_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_photos_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("name", name=op.f("uq_photos_name")),
    )
    op.create_index("ix_photos_report", "photos", ["report_id", "id"], unique=False)
    # Count the reports that already exist (band sizes as in geo/grid.py when this was written).
    op.execute("""
        INSERT INTO report_cell_counts (band, cx, cy, status, service_id, day, count, sum_lon, sum_lat)
        SELECT b.band, floor(ST_X(r.location::geometry) / b.size)::int, floor(ST_Y(r.location::geometry) / b.size)::int,
               r.status, r.service_id, date_trunc('day', r.requested_at AT TIME ZONE 'UTC')::date,
               count(*), sum(ST_X(r.location::geometry)), sum(ST_Y(r.location::geometry))
        FROM reports r CROSS JOIN (VALUES (1, 0.02::float8), (2, 0.005::float8), (3, 0.00125::float8)) AS b(band, size)
        WHERE NOT r.hidden
        GROUP BY 1, 2, 3, 4, 5, 6
    """)


def downgrade() -> None:
    op.drop_index("ix_photos_report", table_name="photos")
    op.drop_table("photos")
    op.drop_index(
        "ix_addresses_search_trgm",
        table_name="addresses",
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.drop_geospatial_index("ix_addresses_point", table_name="addresses", postgresql_using="gist", column_name="point")
    op.drop_index("ix_addresses_jurisdiction", table_name="addresses")
    op.drop_geospatial_table("addresses")
    op.drop_index("ix_report_cell_counts_band_day", table_name="report_cell_counts")
    op.drop_table("report_cell_counts")
