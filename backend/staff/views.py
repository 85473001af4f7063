"""What the administration page reads: the municipality's staff, departments, services and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    email: str
    name: str | None
    role: str
    active: bool
    department: str | None
    last_login_at: datetime | None
    second_factor: bool = False


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    id: int
    code: str
    name: str
    active: bool
    email: str | None


@dataclass(frozen=True, slots=True)
class ServiceRow:
    id: int
    code: str
    name: str
    active: bool
    sla_hours: int | None
    department: str | None


@dataclass(frozen=True, slots=True)
class KeyRow:
    id: int
    name: str
    prefix: str
    scopes: list[str]
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class AdministrationOverview:
    staff: list[StaffRow]
    departments: list[DepartmentRow]
    services: list[ServiceRow]
    keys: list[KeyRow]
