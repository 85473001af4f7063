"""Declarative base, naming convention and shared column types."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Text per language, e.g. {"pl": "Dziura w jezdni", "uk": "Вибоїна", "en": "Pothole"}.
Translations = dict[str, str]
LANGUAGES = ("pl", "uk", "en")


def sql_list(values: Iterable[str]) -> str:
    """The quoted list of a CHECK's `IN (…)`, from a vocabulary's codes: 'a','b'."""
    return ",".join(f"'{v}'" for v in values)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        Translations: JSONB,
        dict: JSONB,
        list[str]: ARRAY(String),
        list[dict]: JSONB,
    }


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
