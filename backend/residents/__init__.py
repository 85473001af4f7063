"""Residents: their devices (registration, settings, their data exported or erased), notification preferences
and inbox, and the places they follow."""

from backend.residents.devices import Export, SettingsChange, erase, export, update_settings
from backend.residents.devices import authenticate as authenticate_device
from backend.residents.devices import register as register_device
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
from backend.residents.places import PlaceView, add_place, remove_place
from backend.residents.places import places as saved_places

__all__ = [
    "Export",
    "Inbox",
    "InboxItem",
    "PlaceView",
    "Preferences",
    "ReadCount",
    "SettingsChange",
    "add_place",
    "authenticate_device",
    "erase",
    "export",
    "inbox",
    "mark_one_read",
    "mark_read",
    "preferences",
    "register_device",
    "remove_place",
    "saved_places",
    "set_preferences",
    "UnsubscribeLink",
    "unsubscribe",
    "unsubscribe_link",
    "update_settings",
]
