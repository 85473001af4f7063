"""All SQLAlchemy models; a leaf package that imports nothing else of Hromada."""

from backend.models.addresses import Address
from backend.models.audit import AuditEntry, StaffToken
from backend.models.base import LANGUAGES, Base, utcnow
from backend.models.broadcasts import (
    AUDIENCES,
    WASTE_FRACTIONS,
    Broadcast,
    DevicePlace,
    WasteCollection,
    WasteReminder,
)
from backend.models.indicators import (
    COMPUTATIONS,
    GRANULARITIES,
    UNITS,
    VALUE_PROVENANCES,
    ImportRun,
    Indicator,
    IndicatorDirty,
    IndicatorValue,
)
from backend.models.jurisdictions import Area, AreaPiece, Department, Jurisdiction
from backend.models.links import SignedLink
from backend.models.map import ReportCellCount, ReportCellTotal, ReportCellVersion, ReportFacetCount
from backend.models.media import PHOTO_STATES, Photo
from backend.models.notifications import (
    CHANNELS,
    DEFAULT_TOPICS,
    TOPICS,
    Delivery,
    Notification,
    PushAlarm,
)
from backend.models.outbox import OutboxEvent
from backend.models.reports import (
    OPEN_STATUSES,
    PRIORITIES,
    REPORT_CHANNELS,
    STATUSES,
    Report,
    ReportCounter,
    ReportEvent,
    ReportSupport,
)
from backend.models.residents import PLATFORMS, Device, Resident
from backend.models.services import QUESTION_TYPES, Service, ServiceGroup, ServiceQuestion
from backend.models.staff import ROLES, SCOPES, ApiKey, StaffUser
from backend.models.surveys import (
    DIMENSIONS,
    QUESTION_KINDS,
    FeedbackAnswer,
    FeedbackRequest,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)

__all__ = [
    "COMPUTATIONS",
    "GRANULARITIES",
    "UNITS",
    "VALUE_PROVENANCES",
    "ImportRun",
    "Indicator",
    "IndicatorDirty",
    "IndicatorValue",
    "Address",
    "DIMENSIONS",
    "FeedbackAnswer",
    "FeedbackRequest",
    "QUESTION_KINDS",
    "Survey",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "AUDIENCES",
    "Broadcast",
    "DevicePlace",
    "WASTE_FRACTIONS",
    "WasteCollection",
    "WasteReminder",
    "CHANNELS",
    "DEFAULT_TOPICS",
    "Delivery",
    "Notification",
    "PushAlarm",
    "TOPICS",
    "AuditEntry",
    "ApiKey",
    "Area",
    "AreaPiece",
    "Base",
    "Department",
    "Device",
    "Jurisdiction",
    "LANGUAGES",
    "OPEN_STATUSES",
    "OutboxEvent",
    "PHOTO_STATES",
    "PLATFORMS",
    "PRIORITIES",
    "REPORT_CHANNELS",
    "Photo",
    "QUESTION_TYPES",
    "ROLES",
    "Report",
    "ReportCellCount",
    "ReportCellTotal",
    "ReportCellVersion",
    "ReportFacetCount",
    "ReportCounter",
    "ReportEvent",
    "ReportSupport",
    "Resident",
    "SCOPES",
    "STATUSES",
    "Service",
    "ServiceGroup",
    "ServiceQuestion",
    "SignedLink",
    "StaffToken",
    "StaffUser",
    "utcnow",
]
