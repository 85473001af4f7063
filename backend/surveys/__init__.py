"""Satisfaction surveys: definitions (created, published, closed), answering by residents, results with
intervals, imports of fielded surveys, and invitations."""

from backend.surveys.answering import for_device, open_for, respond
from backend.surveys.definitions import close, create, definition, listing, preview, publish, update
from backend.surveys.importing import import_survey
from backend.surveys.invitations import invitation_replies, invite
from backend.surveys.results import export, results
from backend.surveys.views import (
    Invitation,
    OpenSurvey,
    QuestionResult,
    QuestionView,
    ResidentOption,
    ResidentQuestion,
    ResidentSurvey,
    Summary,
    SurveyDefinition,
    SurveyResults,
    SurveySpec,
)

__all__ = [
    "Invitation",
    "OpenSurvey",
    "QuestionResult",
    "QuestionView",
    "ResidentOption",
    "ResidentQuestion",
    "ResidentSurvey",
    "Summary",
    "SurveyDefinition",
    "SurveyResults",
    "SurveySpec",
    "close",
    "create",
    "definition",
    "export",
    "for_device",
    "import_survey",
    "invitation_replies",
    "invite",
    "listing",
    "open_for",
    "preview",
    "publish",
    "respond",
    "results",
    "update",
]
