"""Signed links sent by e-mail: a random nonce (only its SHA-256 is kept), a purpose, an expiry, used once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class SignedLink(Base):
    """One link: what it is for (`purpose`), what it acts on (`subject`), until when, and whether it was used."""

    __tablename__ = "signed_links"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    subject: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_signed_links_expires_at", "expires_at"),)
