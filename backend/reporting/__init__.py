"""Reporting: residents submit, read and support reports, add photos, answer "is it fixed?"; the map and its
counts; a report's status changes; retention; the import of historical requests."""

from backend.reporting.catalogue import Catalogue
from backend.reporting.catalogue import catalogue as service_catalogue
from backend.reporting.duplicates import NearbyReports, nearby_before_filing
from backend.reporting.feedback import FeedbackLink, FeedbackRecorded, FeedbackState
from backend.reporting.feedback import answer as answer_feedback
from backend.reporting.feedback import answer_by_email as answer_feedback_by_email
from backend.reporting.feedback import open_by_email as open_feedback_link
from backend.reporting.feedback import status as feedback_status
from backend.reporting.history import REJECTIONS, ImportSummary, import_requests
from backend.reporting.lifecycle import record_status, reopen_by_resident
from backend.reporting.map import reports_map
from backend.reporting.map_tiles import MAX_TILE_ZOOM, MapTile, map_tile
from backend.reporting.photos import PhotoUploaded, public_photo
from backend.reporting.photos import moderate as moderate_photo
from backend.reporting.photos import upload as upload_photo
from backend.reporting.presenters import ReportView
from backend.reporting.reads import ReportDetail, ReportsPage, find_visible, my_reports, public_detail
from backend.reporting.recent import recent_public
from backend.reporting.retention import apply_retention
from backend.reporting.submission import MAX_DESCRIPTION, ContactData, ReportData, Submitted, SubmittedReport, submit
from backend.reporting.supporters import SupportState, support, withdraw_support

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_TILE_ZOOM",
    "REJECTIONS",
    "Catalogue",
    "ContactData",
    "FeedbackLink",
    "FeedbackRecorded",
    "FeedbackState",
    "ImportSummary",
    "MapTile",
    "NearbyReports",
    "PhotoUploaded",
    "ReportData",
    "ReportDetail",
    "ReportView",
    "ReportsPage",
    "Submitted",
    "SubmittedReport",
    "SupportState",
    "answer_feedback",
    "answer_feedback_by_email",
    "apply_retention",
    "feedback_status",
    "find_visible",
    "import_requests",
    "map_tile",
    "moderate_photo",
    "open_feedback_link",
    "my_reports",
    "nearby_before_filing",
    "public_detail",
    "public_photo",
    "record_status",
    "reopen_by_resident",
    "recent_public",
    "reports_map",
    "service_catalogue",
    "submit",
    "support",
    "upload_photo",
    "withdraw_support",
]
