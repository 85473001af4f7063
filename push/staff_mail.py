"""E-mails to staff members (not to residents): the password reset link, in the staff member's language."""

from __future__ import annotations

from pathlib import Path

from flask_mailman import EmailMultiAlternatives
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backend.i18n import gettext
from push.email import mail

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)


def password_reset(*, address: str, lang: str, name: str | None, link: str, minutes: int) -> EmailMultiAlternatives:
    """The message with a password reset link (plain text and HTML)."""
    title = gettext("Set a new Hromada password", lang)
    context = {
        "lang": lang,
        "title": title,
        "greeting": gettext("Hello {name},", lang, name=name) if name else gettext("Hello,", lang),
        "body": gettext(
            "Someone (we hope you) asked to set a new password for the Hromada staff account {email}. "
            "Open this link to choose a new password:",
            lang,
            email=address,
        ),
        "link": link,
        "button": gettext("Choose a new password", lang),
        "expiry": gettext("The link works once, for {n} minutes.", lang, n=minutes),
        "ignore": gettext(
            "If you did not ask for this, ignore this e-mail: your password stays as it is.",
            lang,
        ),
        "signature": "Hromada",
    }
    msg = EmailMultiAlternatives(
        subject=title,
        body=_env.get_template("password_reset.txt").render(context),
        to=[address],
        headers={"Content-Language": lang, "Auto-Submitted": "auto-generated"},
    )
    msg.attach_alternative(_env.get_template("password_reset.html").render(context), "text/html")
    return msg


def send(message: EmailMultiAlternatives) -> None:
    """Send one message now; a server that cannot be reached or refuses it raises (the caller retries)."""
    with mail.get_connection() as connection:
        if not connection.send_messages([message]):
            raise OSError("the mail server did not accept the message")
