"""How the Open311 use cases refuse: DomainError and its subclasses, each naming the input at fault (`field`).

A use case's own refusal is a whole sentence in the request's language (`DomainError`, `NotFound`, `Forbidden`).
When another feature's check refuses one input (an attribute's answer, the photo, the address), the use case
raises `InputRefused`: that check's reason alone and the input it concerns, which the HTTP side names in its
own terms (in Open311, `attribute[size]: Not one of the options: ...`).
"""

from __future__ import annotations

from backend.errors import DomainError


class Forbidden(DomainError):
    """The API key is missing, revoked, of another jurisdiction or without the scope to submit."""

    status = 403


class InputRefused(DomainError):
    """A check refused one input: `message` is the reason alone, `field` the input (e.g. `attributes.size`)."""

    def __init__(self, message: str, *, field: str, status: int | None = None) -> None:
        super().__init__(message, field=field)
        if status is not None:
            self.status = status
