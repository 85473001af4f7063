"""Broadcasts: staff messages to residents of an area, a polygon or a radius (emergency, weather, waste,
transport), previewed, scheduled, cancelled; the announcements residents read."""

from backend.broadcasts.manage import (
    BROADCAST_TOPICS,
    MAX_RADIUS_M,
    announcements,
    cancel,
    create,
    detail,
    listing,
    preview,
    target,
)
from backend.broadcasts.views import (
    Announcement,
    Announcements,
    AudienceSize,
    BroadcastSpec,
    BroadcastView,
    DeliveryStats,
    Text,
)

__all__ = [
    "Announcement",
    "Announcements",
    "AudienceSize",
    "BroadcastSpec",
    "BroadcastView",
    "DeliveryStats",
    "Text",
    "BROADCAST_TOPICS",
    "MAX_RADIUS_M",
    "announcements",
    "cancel",
    "create",
    "detail",
    "listing",
    "preview",
    "target",
]
