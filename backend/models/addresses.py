"""Address points of a jurisdiction (the address register)."""

from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class Address(Base):
    """One address point; `search` is the lower-cased, unaccented text matched with pg_trgm."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    street: Mapped[str] = mapped_column(String(200))
    street_uk: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str] = mapped_column(String(32))
    postcode: Mapped[str | None] = mapped_column(String(16))
    point: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    search: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_addresses_point", "point", postgresql_using="gist"),
        Index("ix_addresses_search_trgm", "search", postgresql_using="gin", postgresql_ops={"search": "gin_trgm_ops"}),
        Index("ix_addresses_jurisdiction", "jurisdiction_id"),
    )
