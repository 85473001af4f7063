"""Domain errors raised by use cases; the HTTP layers map them to status codes."""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused the request; `field` names the input at fault, if any."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or type(self).__name__


class BadQuery(DomainError):
    """A query-string parameter names nothing there is (an unknown status, code or box), or a range ends before
    it starts; the answer names it under `query`."""

    location = "query"


class OutsideJurisdiction(DomainError):
    """The point lies outside every jurisdiction served by this deployment."""


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class CityDefinitionError(DomainError):
    """A city directory is invalid; the message names the file and the field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}", field=field)
        self.path = path
