"""The e-mail channel: SMTP through Flask-Mailman, plain text and HTML per language, List-Unsubscribe."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backend.i18n import gettext

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)
mail = Mail()
UNSUBSCRIBE_SALT = "email-unsubscribe"


@dataclass(frozen=True)
class EmailMessage:
    delivery_id: int
    address: str
    resident_id: int
    lang: str
    title: str
    body: str
    link: str | None
    city: str
    #: Buttons of the message, e.g. the answers to "Is it fixed?": (label, url).
    actions: tuple[tuple[str, str], ...] = ()


def init_app(app: Flask) -> None:
    """Hand the SMTP settings to Flask-Mailman."""
    settings = app.config["HROMADA_SETTINGS"]
    app.config.update(
        MAIL_SERVER=settings.MAIL_SERVER or "localhost",
        MAIL_PORT=settings.MAIL_PORT,
        MAIL_USERNAME=settings.MAIL_USERNAME or None,
        MAIL_PASSWORD=settings.MAIL_PASSWORD or None,
        MAIL_USE_TLS=settings.MAIL_USE_TLS,
        MAIL_USE_SSL=settings.MAIL_USE_SSL,
        MAIL_DEFAULT_SENDER=settings.MAIL_FROM,
        MAIL_TIMEOUT=settings.MAIL_TIMEOUT,
        MAIL_BACKEND="smtp",
    )  # also under TESTING, where Flask-Mailman would keep mail in memory
    mail.init_app(app)


def unsubscribe_token(resident_id: int) -> str:
    return str(URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(resident_id))


def resident_of(token: str) -> int | None:
    """The resident an unsubscribe token was made for, or None when it is not ours."""
    try:
        value = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(resident_id: int) -> str:
    base = current_app.config["HROMADA_SETTINGS"].PUBLIC_BASE_URL.rstrip("/") or "http://localhost:8000"
    return f"{base}/api/v1/email/unsubscribe?token={unsubscribe_token(resident_id)}"


def render(m: EmailMessage) -> EmailMultiAlternatives:
    """One e-mail: plain text, an HTML alternative, and the List-Unsubscribe headers (RFC 2369, RFC 8058)."""
    url = unsubscribe_url(m.resident_id)
    context = {
        "lang": m.lang,
        "title": m.title,
        "body": m.body,
        "link": m.link,
        "view_label": gettext("View the report", m.lang),
        "why": gettext("You receive this e-mail because you reported a problem to {city}.", m.lang, city=m.city),
        "unsubscribe_label": gettext("Stop these e-mails", m.lang),
        "unsubscribe_url": url,
        "actions": m.actions,
    }
    msg = EmailMultiAlternatives(
        subject=m.title,
        body=_env.get_template("notification.txt").render(context),
        to=[m.address],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": m.lang,
            "Auto-Submitted": "auto-generated",
        },
    )
    msg.attach_alternative(_env.get_template("notification.html").render(context), "text/html")
    return msg


def send(messages: list[EmailMessage]) -> dict[int, tuple[str, str | None]]:
    """Send over one SMTP connection; delivery id → ("sent" | "retry" | "failed", error). A server that
    cannot be reached raises (the caller retries the whole batch later)."""
    out: dict[int, tuple[str, str | None]] = {}
    if not messages:
        return out
    with mail.get_connection() as connection:
        for m in messages:
            try:
                sent = connection.send_messages([render(m)])
                out[m.delivery_id] = ("sent", None) if sent else ("retry", "not accepted")
            except smtplib.SMTPRecipientsRefused as exc:  # the address itself: no point in retrying
                out[m.delivery_id] = ("failed", f"recipient refused: {exc.recipients}"[:1000])
            except (smtplib.SMTPException, OSError) as exc:
                out[m.delivery_id] = ("retry", f"{type(exc).__name__}: {exc}"[:1000])
    return out


FEEDBACK_SALT = "feedback-answer"


def feedback_token(request_id: int, resident_id: int) -> str:
    """A signed link argument: this resident may answer about this resolution."""
    return str(URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FEEDBACK_SALT).dumps([request_id, resident_id]))


def feedback_of(token: str) -> tuple[int, int] | None:
    try:
        value = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FEEDBACK_SALT).loads(token)
    except BadSignature:
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def feedback_actions(request_id: int, resident_id: int, lang: str) -> tuple[tuple[str, str], ...]:
    base = current_app.config["HROMADA_SETTINGS"].PUBLIC_BASE_URL.rstrip("/") or "http://localhost:8000"
    token = feedback_token(request_id, resident_id)
    return (
        (gettext("Yes, it is fixed", lang), f"{base}/api/v1/feedback?token={token}&fixed=true"),
        (gettext("No, it is not fixed", lang), f"{base}/api/v1/feedback?token={token}&fixed=false"),
    )
