"""Residents: their devices (registration, settings, their data exported or erased), notification preferences
and inbox, the places they follow, and a person's data exported or erased by staff on their request."""

from backend.residents.devices import SettingsChange, erase, update_settings
from backend.residents.devices import authenticate as authenticate_device
from backend.residents.devices import register as register_device
from backend.residents.exports import Export, export
from backend.residents.lookup import EMAIL as EMAIL_GIVEN
from backend.residents.lookup import EMAIL_MAX, PHONE_MAX
from backend.residents.lookup import PHONE as PHONE_GIVEN
from backend.residents.notifications import (
    Inbox,
    InboxItem,
    Preferences,
    ReadCount,
    UnsubscribeLink,
    inbox,
    mark_one_read,
    mark_read,
    preferences,
    set_preferences,
    unsubscribe,
    unsubscribe_link,
)
from backend.residents.person_data import (
    Erasure,
    PersonExport,
    RequestLogEntry,
    erase_person,
    export_person,
    held_with_another,
    request_log,
)
from backend.residents.places import PlaceView, add_place, remove_place
from backend.residents.places import places as saved_places

__all__ = [
    "EMAIL_GIVEN",
    "EMAIL_MAX",
    "PHONE_GIVEN",
    "PHONE_MAX",
    "Erasure",
    "Export",
    "Inbox",
    "InboxItem",
    "PersonExport",
    "PlaceView",
    "Preferences",
    "ReadCount",
    "RequestLogEntry",
    "SettingsChange",
    "add_place",
    "authenticate_device",
    "erase",
    "erase_person",
    "export",
    "export_person",
    "held_with_another",
    "inbox",
    "mark_one_read",
    "mark_read",
    "preferences",
    "register_device",
    "remove_place",
    "request_log",
    "saved_places",
    "set_preferences",
    "UnsubscribeLink",
    "unsubscribe",
    "unsubscribe_link",
    "update_settings",
]
