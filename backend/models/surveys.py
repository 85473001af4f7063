"""Satisfaction surveys (app and representative), their responses, and post-resolution feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, sql_list, utcnow
from backend.vocabulary import SURVEY_PROVENANCES

QUESTION_KINDS = ("likert5", "nps", "single", "multiple", "text", "district")
DIMENSIONS = ("overall", "reliability", "responsiveness", "courtesy", "accessibility", "information", "value")
SURVEY_STATES = ("draft", "published", "closed")
#: Opt-in (the app) or representative (fielded and imported): `backend.vocabulary.SURVEY_PROVENANCES`.
PROVENANCES = tuple(p.value for p in SURVEY_PROVENANCES)


class Survey(Base):
    """One version of a survey; a published version is never changed (editing makes the next version)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    #: The same for every version of one survey.
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    provenance: Mapped[str] = mapped_column(String(16), default="opt-in")
    title: Mapped[dict[str, str]] = mapped_column(JSONB)
    intro: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    service_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    #: everyone | areas | reporters (devices that reported on `reporter_services` in the last `reporter_days`)
    audience: Mapped[str] = mapped_column(String(12), default="everyone")
    area_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    reporter_services: Mapped[list[str] | None] = mapped_column(ARRAY(String(64)))
    reporter_days: Mapped[int | None]
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    questions: Mapped[list[SurveyQuestion]] = relationship(
        order_by="SurveyQuestion.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("status IN ('draft','published','closed')", name="status_known"),
        CheckConstraint(f"provenance IN ({sql_list(PROVENANCES)})", name="provenance_known"),
        CheckConstraint("audience IN ('everyone','areas','reporters')", name="audience_known"),
        Index("uq_surveys_key_version", "jurisdiction_id", "key", "version", unique=True),
    )


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    required: Mapped[bool] = mapped_column(default=False)
    dont_know: Mapped[bool] = mapped_column(default=False)
    #: {"pl": "…", …}
    text: Mapped[dict[str, str]] = mapped_column(JSONB)
    #: choice codes (single, multiple) with their labels per language: [{"code": …, "label": {"pl": …}}]
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    #: Likert labels per language: {"pl": ["bardzo źle", …, "bardzo dobrze"]}
    scale_labels: Mapped[dict[str, list[str]]] = mapped_column(JSONB, default=dict)
    service_code: Mapped[str | None] = mapped_column(String(64))
    dimension: Mapped[str | None] = mapped_column(String(16))
    #: Shown only when the answer to question `show_if_code` is one of `show_if_values`.
    show_if_code: Mapped[str | None] = mapped_column(String(64))
    show_if_values: Mapped[list[str] | None] = mapped_column(ARRAY(String(64)))

    __table_args__ = (
        CheckConstraint("kind IN ('likert5','nps','single','multiple','text','district')", name="kind_known"),
        Index("uq_survey_questions_code", "survey_id", "code", unique=True),
    )


class SurveyResponse(Base):
    """One respondent's answers. No device id: only a salted hash of it, against double responses."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    respondent_hash: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    provenance: Mapped[str] = mapped_column(String(16))
    #: The respondent's id in an imported file (representative surveys), for traceability of the import.
    source_ref: Mapped[str | None] = mapped_column(String(64))
    #: The first invitation to this survey version (a broadcast) that had reached the answering device before it
    #: answered; none for an answer without one (found in the list, imported, or its device since erased). The
    #: response rate counts these answers.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index(
            "uq_survey_responses_respondent",
            "survey_id",
            "respondent_hash",
            unique=True,
            postgresql_where="respondent_hash IS NOT NULL",
        ),
        Index("ix_survey_responses_survey_area", "survey_id", "area_id"),
        Index("ix_survey_responses_invitation", "invitation_id", postgresql_where="invitation_id IS NOT NULL"),
    )


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"

    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int | None]
    choices: Mapped[list[str] | None] = mapped_column(ARRAY(String(64)))
    text: Mapped[str | None] = mapped_column(Text)
    dont_know: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (Index("ix_survey_answers_question", "question_id", "number"),)


class FeedbackRequest(Base):
    """After a report is resolved: "Is it fixed? How satisfied are you?" for its reporter and supporters."""

    __tablename__ = "feedback_requests"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    #: The resolution this asks about (a report resolved again after reopening is asked again).
    resolved_at: Mapped[datetime]
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("uq_feedback_requests_report_resolution", "report_id", "resolved_at", unique=True),
        Index("ix_feedback_requests_due", "due_at", postgresql_where="sent_at IS NULL"),
    )


class FeedbackAnswer(Base):
    """One person's answer about one resolution (device or e-mail reporter, never both)."""

    __tablename__ = "feedback_answers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("feedback_requests.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    respondent_hash: Mapped[str] = mapped_column(String(64))
    fixed: Mapped[bool]
    satisfaction: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        Index("uq_feedback_answers_respondent", "request_id", "respondent_hash", unique=True),
        Index("ix_feedback_answers_report", "report_id"),
    )
