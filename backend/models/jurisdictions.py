"""Jurisdictions (municipalities), their areas (districts) and departments."""

from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, TimestampMixin, Translations


class Jurisdiction(TimestampMixin, Base):
    """A municipality; `code` is its official register code (TERYT, KATOTTG)."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[Translations]
    languages: Mapped[list[str]] = mapped_column(default=list)
    default_language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    #: Prefix of public report ids, e.g. KRK -> KRK-2026-000123.
    report_prefix: Mapped[str] = mapped_column(String(8))
    #: Jurisdiction-level options (photo moderation, contact, ...).
    settings: Mapped[dict] = mapped_column(default=dict)
    #: The union of its areas, kept by the boundary import (large: loaded only when asked for).
    boundary: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), deferred=True
    )
    #: Digest of the loaded city definition; a reload with the same digest changes nothing.
    source_digest: Mapped[str | None] = mapped_column(String(64))

    areas: Mapped[list[Area]] = relationship(back_populates="jurisdiction", order_by="Area.code")
    departments: Mapped[list[Department]] = relationship(back_populates="jurisdiction")

    __table_args__ = (Index("ix_jurisdictions_boundary", "boundary", postgresql_using="gist"),)


class Area(TimestampMixin, Base):
    """A district of a jurisdiction."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[Translations]
    population: Mapped[int | None]
    population_year: Mapped[int | None]
    boundary: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), deferred=True
    )
    #: Digest of the source geometry, so that an unchanged import leaves the row alone.
    boundary_digest: Mapped[str] = mapped_column(String(64))

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="areas")

    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "code"),
        Index("ix_areas_boundary", "boundary", postgresql_using="gist"),
    )


class AreaPiece(Base):
    """An area cut by ST_Subdivide into small polygons: fast, index-friendly point lookups."""

    __tablename__ = "area_pieces"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=False), deferred=True)

    __table_args__ = (Index("ix_area_pieces_geom", "geom", postgresql_using="gist"),)


class Department(TimestampMixin, Base):
    """A unit of the city administration that handles reports (per jurisdiction)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[Translations]
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="departments")

    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
