"""All SQLAlchemy models; a leaf package that imports nothing else of Hromada."""

from backend.models.base import LANGUAGES, Base, utcnow
from backend.models.jurisdictions import Area, AreaPiece, Department, Jurisdiction
from backend.models.outbox import OutboxEvent
from backend.models.reports import (
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    Report,
    ReportCounter,
    ReportEvent,
    ReportSupport,
)
from backend.models.residents import PLATFORMS, Device, Resident
from backend.models.services import QUESTION_TYPES, Service, ServiceGroup, ServiceQuestion
from backend.models.staff import ROLES, SCOPES, ApiKey, StaffUser

__all__ = [
    "LANGUAGES", "OPEN_STATUSES", "PLATFORMS", "PRIORITIES", "QUESTION_TYPES", "ROLES", "SCOPES",
    "STATUSES", "ApiKey", "Area", "AreaPiece", "Base", "Department", "Device", "Jurisdiction",
    "OutboxEvent", "Report", "ReportCounter", "ReportEvent", "ReportSupport", "Resident", "Service", "ServiceGroup",
    "ServiceQuestion", "StaffUser", "utcnow",
]
