"""Satisfaction surveys: definitions (created, published, closed), answering by residents, results with
intervals, imports of fielded surveys, and invitations."""

from backend.surveys.definitions import (
    close,
    create,
    definition,
    export,
    for_device,
    import_survey,
    invite,
    invited,
    listing,
    open_for,
    preview,
    publish,
    respond,
    results,
    update,
)

__all__ = [
    "close",
    "create",
    "definition",
    "export",
    "for_device",
    "import_survey",
    "invite",
    "invited",
    "listing",
    "open_for",
    "preview",
    "publish",
    "respond",
    "results",
    "update",
]
