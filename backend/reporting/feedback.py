"""Post-resolution feedback: some time after a report is resolved, its reporter and supporters are asked
"Is it fixed?" and "How satisfied are you with how it was handled?" (1–5, and a comment). "Not fixed" reopens
the report — staff see why in the audit trail — and the reporter is told. One answer per person and
resolution; the answers feed the resolution-satisfaction indicators."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, request
from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from backend import audit, links
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext
from backend.models import Device, FeedbackAnswer, FeedbackRequest, Report, ReportSupport, utcnow
from backend.reporting.lifecycle import reopen_by_resident
from backend.reporting.reads import find_visible


@dataclass(frozen=True, slots=True)
class FeedbackState:
    """Whether a device is asked about a report's latest resolution, and whether it answered."""

    asked: bool
    answered: bool
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeedbackRecorded:
    """An answer recorded; `reopened` when "not fixed" reopened the report."""

    report_id: int
    fixed: bool
    satisfaction: int | None
    reopened: bool
    status: str


def _respondent(device: Device, request_id: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"feedback:{request_id}:{device.id}".encode(), hashlib.sha256).hexdigest()


def _concerned(s: Session, report: Report, device: Device) -> bool:
    return report.device_id == device.id or bool(
        s.scalar(select(exists().where(ReportSupport.report_id == report.id, ReportSupport.device_id == device.id)))
    )


def status(device: Device, report_ref: str) -> FeedbackState:
    """Whether this device is asked about the report's latest resolution, and whether it answered."""

    s = session()
    report = find_visible(s, report_ref)
    request = _latest(s, report.id)
    out = FeedbackState(asked=False, answered=False, resolved_at=None)
    if request is not None and _concerned(s, report, device):
        out = FeedbackState(
            asked=True,
            resolved_at=request.resolved_at,
            answered=bool(
                s.scalar(
                    select(
                        exists().where(
                            FeedbackAnswer.request_id == request.id,
                            FeedbackAnswer.respondent_hash == _respondent(device, request.id),
                        )
                    )
                )
            ),
        )
    s.rollback()
    return out


def _latest(s: Session, report_id: int) -> FeedbackRequest | None:
    return s.scalars(
        select(FeedbackRequest)
        .where(FeedbackRequest.report_id == report_id, FeedbackRequest.sent_at.isnot(None))
        .order_by(FeedbackRequest.resolved_at.desc())
    ).first()


def answer(
    device: Device, report_ref: str, *, fixed: bool, satisfaction: int | None, comment: str | None
) -> FeedbackRecorded:
    """Record a device's answer; "not fixed" reopens a resolved or closed report and tells its reporter."""

    with unit_of_work() as s:
        report = find_visible(s, report_ref)
        report = s.get_one(Report, report.id, with_for_update=True)
        if not _concerned(s, report, device):
            raise NotFound(gettext("Not found."))
        request = _latest(s, report.id)
        if request is None:
            raise Conflict(gettext("Nobody asked about this report yet."), field="report")
        return _record(s, report, request, _respondent(device, request.id), fixed, satisfaction, comment)


@dataclass(frozen=True, slots=True)
class FeedbackLink:
    """What the question's e-mail link leads to: `state` is "open" (the form), "used" (answered with it) or
    "expired" (also every link of the old format); the report's public page where there is one; the language
    of the e-mail (None: the request's)."""

    state: str
    report_url: str | None
    lang: str | None


def open_by_email(token: str) -> FeedbackLink:
    """The page of an e-mail's "Is it fixed?" link (changes nothing: mail scanners open links); LinkInvalid for
    a link that is not ours."""

    s = session()
    try:
        if links.is_legacy(token):
            return FeedbackLink("expired", _legacy_report_url(s, token), None)
        try:
            link, state = links.peek(s, links.FEEDBACK, token), "open"
        except (links.LinkExpired, links.LinkUsed) as exc:
            if exc.link is None:
                raise
            link, state = exc.link, "used" if isinstance(exc, links.LinkUsed) else "expired"
        return FeedbackLink(state, _report_url(s, link.subject.get("request_id")), link.subject.get("lang"))
    finally:
        s.rollback()


def _legacy_report_url(s: Session, token: str) -> str | None:
    """The report an old-format link (signed [request id, resident id]) was about, when its signature holds."""
    value = links.legacy_subject(links.FEEDBACK, token)
    if isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value):
        return _report_url(s, value[0])
    return None


def _report_url(s: Session, request_id: object) -> str | None:
    conf = current_app.config["HROMADA_SETTINGS"]
    if not conf.REPORT_LINK_TEMPLATE or type(request_id) is not int or not 0 < request_id < 2**63:
        return None
    public_id = s.scalar(
        select(Report.public_id)
        .join(FeedbackRequest, FeedbackRequest.report_id == Report.id)
        .where(FeedbackRequest.id == request_id)
    )
    link: str | None = conf.report_link(public_id or "", request.host_url if has_request_context() else None)
    return link


def answer_by_email(token: str, *, fixed: bool, satisfaction: int | None, comment: str | None) -> FeedbackRecorded:
    """Record the answer of a resident who reported by e-mail, from the signed link in the question's e-mail
    (the link acts once). LinkInvalid, LinkExpired (also for every link of the old format) or LinkUsed else."""

    with unit_of_work() as s:
        if links.is_legacy(token):
            raise links.LinkExpired()
        link = links.consume(s, links.FEEDBACK, token)
        request_id, resident_id = link.subject.get("request_id"), link.subject.get("resident_id")
        request = s.get(FeedbackRequest, request_id) if type(request_id) is int else None
        report = s.get(Report, request.report_id, with_for_update=True) if request is not None else None
        if request is None or report is None or report.reporter_id != resident_id:
            raise links.LinkInvalid()
        secret = current_app.config["SECRET_KEY"].encode()
        digest = hmac.new(secret, f"feedback:{request.id}:resident:{resident_id}".encode(), hashlib.sha256).hexdigest()
        return _record(s, report, request, digest, fixed, satisfaction, comment)


def _record(
    s: Session,
    report: Report,
    request: FeedbackRequest,
    digest: str,
    fixed: bool,
    satisfaction: int | None,
    comment: str | None,
) -> FeedbackRecorded:
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise DomainError(gettext("Must be between {0} and {1}.").format(1, 5), field="satisfaction")
    stored = s.execute(
        insert(FeedbackAnswer)
        .values(
            request_id=request.id,
            report_id=report.id,
            respondent_hash=digest,
            fixed=fixed,
            satisfaction=satisfaction,
            comment=(comment or "").strip()[:2000] or None,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(FeedbackAnswer.id)
    ).first()
    if stored is None:
        raise Conflict(gettext("You have already answered."), field="report")
    before = report.status
    reopened = not fixed and reopen_by_resident(s, report)
    if reopened:
        audit.record(
            s,
            None,
            "report.reopened_by_resident",
            "report",
            report.id,
            jurisdiction_id=report.jurisdiction_id,
            before={"status": before},
            after={
                "status": "in_progress",
                "fixed": False,
                "satisfaction": satisfaction,
                "comment": (comment or "").strip()[:2000] or None,
            },
        )
    return FeedbackRecorded(
        report_id=report.id, fixed=fixed, satisfaction=satisfaction, reopened=reopened, status=report.status
    )
