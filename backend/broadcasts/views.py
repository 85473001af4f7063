"""The shapes broadcasts take in and give back: the spec of an audience and a message, the audience's size,
a broadcast with its delivery statistics. The HTTP schemas in admin/api decide the wire names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from backend.cities.geography import Named


class Text(TypedDict):
    title: str
    body: str


class BroadcastSpec(TypedDict, total=False):
    """An audience (for a preview), and with texts and times a broadcast to create; checked by the use case."""

    topic: str | None
    audience: str | None
    areas: list[str]
    polygon: dict[str, Any] | None
    lat: float | None
    lon: float | None
    radius_m: float | None
    texts: dict[str, Text]
    send_at: datetime | None
    expires_at: datetime | None
    private: bool


@dataclass(frozen=True, slots=True)
class AudienceSize:
    """Devices in the audience following the topic, and of those the ones with a push token; per channel whether
    it is configured (without push they all see the broadcast in the app's inbox only)."""

    devices: int
    with_push: int
    channels: dict[str, str] = field(default_factory=dict)


class DeliveryStats(TypedDict):
    """Notifications written (each in a device's inbox), the push deliveries by outcome, and per channel
    "configured" or "not configured" (then nothing is sent through it: the counts stay 0)."""

    targeted: int
    sent: int
    failed: int
    pruned: int
    pending: int
    channels: dict[str, str]


class BroadcastView(TypedDict):
    """A broadcast and its delivery statistics (subscripted by callers: `create(...)["id"]`)."""

    id: int
    topic: str
    audience: str
    areas: list[str]
    lat: float | None
    lon: float | None
    radius_m: float | None
    texts: dict[str, Text]
    private: bool
    send_at: datetime
    expires_at: datetime | None
    status: str
    sent_at: datetime | None
    created_at: datetime
    stats: DeliveryStats


@dataclass(frozen=True, slots=True)
class Announcement:
    """A public broadcast in force, in the reader's language."""

    id: int
    topic: str
    title: str
    body: str
    sent_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Announcements:
    """The announcements in force at a point, and the municipality it lies in (dumped by the app's schema)."""

    jurisdiction: Named
    items: list[Announcement]
