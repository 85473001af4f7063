"""The product's coded values: what the database, the APIs and the feeds carry (`in_progress`, `opt-in`,
`report.assign`). Each vocabulary is a `StrEnum`, so a member compares equal to its code, and the models derive their
tuples (`STATUSES`, `ROLES`, …) from these. Their words for people are in `backend.vocabulary`, which re-exports
every name here.
"""

from __future__ import annotations

from enum import StrEnum


class ReportStatus(StrEnum):
    """A report's life cycle; Open311's `open`/`closed` is derived from it."""

    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


#: The statuses in which a report still waits for the city.
OPEN_REPORT_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Role(StrEnum):
    """A staff member's role (what they may do: `admin/policy.py`)."""

    ADMIN = "admin"
    MANAGER = "manager"
    DISPATCHER = "dispatcher"
    DEPARTMENT_STAFF = "department_staff"
    VIEWER = "viewer"


class Topic(StrEnum):
    """What a device can follow; `my_reports` and `emergency` are on for a new device."""

    MY_REPORTS = "my_reports"
    EMERGENCY = "emergency"
    WEATHER = "weather"
    WASTE = "waste"
    TRANSPORT = "transport"
    EVENTS = "events"
    SURVEYS = "surveys"
    CITY_NEWS = "city_news"


class Provenance(StrEnum):
    """Where an indicator value's observations come from; one value never mixes two."""

    OPERATIONAL = "operational"
    OPT_IN = "opt-in"
    REPRESENTATIVE = "representative"


#: The provenances of a survey (operational values come from reports, never from a survey).
SURVEY_PROVENANCES = (Provenance.OPT_IN, Provenance.REPRESENTATIVE)


class Unit(StrEnum):
    """The units the indicator catalogues use (`unit:` in a city's indicators.yaml)."""

    PERCENT = "%"
    HOURS = "h"
    PER_1000 = "per 1000"
    SCALE_1_5 = "1-5"
    POINTS = "points"


class LightStatus(StrEnum):
    """An indicator value's traffic light."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"
    SUPPRESSED = "suppressed"


class RejectReason(StrEnum):
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility"


class AuditAction(StrEnum):
    """What the audit log records (`backend.audit.record(…, action, …)`)."""

    REPORT_STATUS = "report.status"
    REPORT_ASSIGN = "report.assign"
    REPORT_PRIORITY = "report.priority"
    REPORT_REPLY = "report.reply"
    REPORT_NOTE = "report.note"
    REPORT_RECATEGORISE = "report.recategorise"
    REPORT_MOVE = "report.move"
    REPORT_MERGE = "report.merge"
    REPORT_MODERATE = "report.moderate"
    REPORT_REOPENED_BY_RESIDENT = "report.reopened_by_resident"
    PHOTO_MODERATE = "photo.moderate"
    STAFF_CREATE = "staff.create"
    STAFF_ACTIVATE = "staff.activate"
    STAFF_DEACTIVATE = "staff.deactivate"
    DEPARTMENT_CREATE = "department.create"
    SERVICE_UPDATE = "service.update"
    API_KEY_CREATE = "api_key.create"
    API_KEY_REVOKE = "api_key.revoke"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SECOND_FACTOR_ON = "staff.second_factor_on"
    SECOND_FACTOR_OFF = "staff.second_factor_off"
    SECOND_FACTOR_RESET = "staff.second_factor_reset"
    SECOND_FACTOR_RECOVERY_CODE = "staff.second_factor_recovery_code"
    RECOVERY_CODES_RENEW = "staff.recovery_codes_renew"
    REAUTHENTICATION_FAILED = "staff.reauthentication_failed"
    PASSWORD_CHANGE = "staff.password_change"  # noqa: S105 - an audit action
    PASSWORD_CHANGE_FAILED = "staff.password_change_failed"  # noqa: S105 - an audit action
    PASSWORD_RESET_SENT = "staff.password_reset_sent"  # noqa: S105 - an audit action
    PASSWORD_RESET = "staff.password_reset"  # noqa: S105 - an audit action
    INDICATOR_CREATE = "indicator.create"
    INDICATOR_UPDATE = "indicator.update"
    INDICATOR_RECOMPUTE = "indicator.recompute"
    SURVEY_CREATE = "survey.create"
    SURVEY_UPDATE = "survey.update"
    SURVEY_PUBLISH = "survey.publish"
    SURVEY_CLOSE = "survey.close"
    SURVEY_INVITE = "survey.invite"
    BROADCAST_CREATE = "broadcast.create"
    BROADCAST_CANCEL = "broadcast.cancel"
    PERSONAL_DATA_EXPORT = "personal_data.export"
    PERSONAL_DATA_ERASE = "personal_data.erase"


class Channel(StrEnum):
    """How a report reached the city (`Report.channel`)."""

    APP = "app"
    WEB = "web"
    OPEN311 = "open311"
    PHONE = "phone"
    COUNTER = "counter"
    EMAIL = "email"
    STAFF = "staff"
    IMPORT = "import"


class BroadcastStatus(StrEnum):
    """A broadcast's life cycle (`Broadcast.status`)."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Audience(StrEnum):
    """Whom a broadcast reaches (`Broadcast.audience`)."""

    JURISDICTION = "jurisdiction"
    AREAS = "areas"
    POLYGON = "polygon"
    RADIUS = "radius"


#: Every vocabulary by name; a plain code is looked up in this order (so "duplicate" is first a status).
VOCABULARIES: dict[str, type[StrEnum]] = {
    "report_status": ReportStatus,
    "priority": Priority,
    "role": Role,
    "topic": Topic,
    "provenance": Provenance,
    "unit": Unit,
    "light_status": LightStatus,
    "reject_reason": RejectReason,
    "audit_action": AuditAction,
    "channel": Channel,
    "broadcast_status": BroadcastStatus,
    "audience": Audience,
}
