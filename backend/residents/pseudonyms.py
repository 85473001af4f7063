"""The pseudonyms under which a person's survey and "Is it fixed?" answers are stored: a keyed hash of the device
(or, for an e-mail reporter, of the resident record), never the id itself. Only this deployment's secret key can
tell whose answer one is: an export finds a person's answers, an erasure cuts the link."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def _keyed(message: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def survey_respondent(survey_key: str, device_id: int) -> str:
    """A device's pseudonym in one survey (all versions of it share the key)."""
    return _keyed(f"survey:{survey_key}:{device_id}")


def feedback_device(request_id: int, device_id: int) -> str:
    """A device's pseudonym in the answers to one "Is it fixed?" question."""
    return _keyed(f"feedback:{request_id}:{device_id}")


def feedback_resident(request_id: int, resident_id: int) -> str:
    """An e-mail reporter's pseudonym in the answers to one "Is it fixed?" question (the e-mailed link)."""
    return _keyed(f"feedback:{request_id}:resident:{resident_id}")
