"""E-mails to staff members (not to residents), in the staff member's language: the password reset link, and a
notice whenever a credential of theirs changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    return _message("password_reset", title, context, address, lang)


def _what_changed(change: str, lang: str) -> str | None:
    """The sentence saying what changed (the audit action's name as key), or None for anything else."""
    return {
        "staff.password_change": gettext("The password of your Hromada staff account was changed.", lang),
        "staff.password_reset": gettext(
            "The password of your Hromada staff account was set again through a password reset link.", lang
        ),
        "staff.second_factor_on": gettext("A second factor (TOTP) was turned on for your Hromada staff account.", lang),
        "staff.second_factor_off": gettext("The second factor of your Hromada staff account was turned off.", lang),
        "staff.second_factor_reset": gettext(
            "The second factor of your Hromada staff account was reset by an administrator.", lang
        ),
        "staff.second_factor_recovery_code": gettext(
            "A recovery code was used to sign in to your Hromada staff account.", lang
        ),
        "staff.recovery_codes_renew": gettext(
            "New recovery codes were made for your Hromada staff account; the old ones no longer work.", lang
        ),
    }.get(change)


#: The credential changes a staff member is told about (the audit actions' names).
CREDENTIAL_CHANGES = (
    "staff.password_change",
    "staff.password_reset",
    "staff.second_factor_on",
    "staff.second_factor_off",
    "staff.second_factor_reset",
    "staff.second_factor_recovery_code",
    "staff.recovery_codes_renew",
)


def credential_changed(
    *, address: str, lang: str, name: str | None, change: str, when: str
) -> EmailMultiAlternatives | None:
    """The notice that a credential of this staff member changed (plain text and HTML); None for a change that
    is not one of CREDENTIAL_CHANGES. `when` is the time as text (UTC)."""
    what = _what_changed(change, lang)
    if what is None:
        return None
    title = gettext("A change to your Hromada staff account", lang)
    context = {
        "lang": lang,
        "title": title,
        "greeting": gettext("Hello {name},", lang, name=name) if name else gettext("Hello,", lang),
        "what": what,
        "when": gettext("When: {when} (UTC). Account: {email}.", lang, when=when, email=address),
        "if_you": gettext("If it was you, there is nothing to do.", lang),
        "if_not": gettext(
            "If it was not you, tell your Hromada administrator at once: someone else may know your password.",
            lang,
        ),
        "signature": "Hromada",
    }
    return _message("credential_changed", title, context, address, lang)


def _message(template: str, title: str, context: dict[str, Any], address: str, lang: str) -> EmailMultiAlternatives:
    """A message to one staff member: the template's .txt as the body, its .html as the alternative."""
    msg = EmailMultiAlternatives(
        subject=title,
        body=_env.get_template(f"{template}.txt").render(context),
        to=[address],
        headers={"Content-Language": lang, "Auto-Submitted": "auto-generated"},
    )
    msg.attach_alternative(_env.get_template(f"{template}.html").render(context), "text/html")
    return msg


def send(message: EmailMultiAlternatives) -> None:
    """Send one message now; a server that cannot be reached or refuses it raises (the caller retries)."""
    with mail.get_connection() as connection:
        if not connection.send_messages([message]):
            raise OSError("the mail server did not accept the message")
