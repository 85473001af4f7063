"""The e-mail channel: SMTP through Flask-Mailman, plain text and HTML per language, List-Unsubscribe."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backend.i18n import gettext

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)
mail = Mail()


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
    #: The signed link (backend.links, purpose "unsubscribe") of this message's unsubscribe URL.
    unsubscribe_token: str = ""


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


def unsubscribe_url(token: str) -> str:
    """The page of an unsubscribe link (its POST, also RFC 8058's one-click, stops the e-mails)."""
    base = current_app.config["HROMADA_SETTINGS"].public_base()  # never a request's Host header
    return f"{base}/api/v1/email/unsubscribe?token={token}"


def render(m: EmailMessage) -> EmailMultiAlternatives:
    """One e-mail: plain text, an HTML alternative, and the List-Unsubscribe headers (RFC 2369, RFC 8058)."""
    url = unsubscribe_url(m.unsubscribe_token)
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


def feedback_actions(token: str, lang: str) -> tuple[tuple[str, str], ...]:
    """The answers to "Is it fixed?" as links to the question's page (token: a signed link, purpose "feedback")."""
    base = current_app.config["HROMADA_SETTINGS"].public_base()  # never a request's Host header
    return (
        (gettext("Yes, it is fixed", lang), f"{base}/api/v1/feedback?token={token}&fixed=true"),
        (gettext("No, it is not fixed", lang), f"{base}/api/v1/feedback?token={token}&fixed=false"),
    )
