"""The load scenario of `make load` (locust): residents reading the map and lists, reporting (a tenth with a
photo), answering a survey, and staff viewing the queue. Started by bench/load.py, which passes the staff token
and the survey in the environment."""

from __future__ import annotations

import io
import os
import random

from locust import HttpUser, between, task

SURVEY = int(os.environ.get("LOAD_SURVEY_ID", "0"))
STAFF = {"Authorization": f"Bearer {os.environ.get('LOAD_STAFF_TOKEN', '')}"}
SERVICES = {
    "pothole": {"size": "large"},
    "street_light": {"problem": "off"},
    "overflowing_bin": {},
    "graffiti": {},
    "greenery": {},
    "bench": {},
}
STATUSES = ("submitted", "acknowledged", "in_progress")


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 130, 140)).save(out, "JPEG", quality=80)
    return out.getvalue()


PHOTO = _jpeg()


def point() -> tuple[float, float]:
    """A point in central Kraków (inside the municipality)."""
    return 50.03 + random.random() * 0.06, 19.88 + random.random() * 0.14


class Visitor(HttpUser):
    """Mixed traffic: 70% map and list reads, 20% reports (a tenth with a photo), 5% survey answers, 5% queue."""

    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.device = self._device()

    def _device(self) -> dict[str, str]:
        got = self.client.post("/api/v1/devices", json={"platform": "android", "locale": "pl"}, name="POST /devices")
        return {"Authorization": f"Bearer {got.json()['token']}"}

    @task(40)
    def map(self) -> None:
        lat, lon = point()
        span = random.choice((0.2, 0.08, 0.03))
        self.client.get(
            f"/api/v1/reports?bbox={lon - span},{lat - span / 2},{lon + span},{lat + span / 2}"
            f"&zoom={random.choice((11, 13, 15))}",
            name="GET /reports (map)",
        )

    @task(30)
    def street(self) -> None:
        lat, lon = point()
        self.client.get(
            f"/api/v1/reports?bbox={lon - 0.004},{lat - 0.003},{lon + 0.004},{lat + 0.003}&zoom=17&limit=50",
            name="GET /reports (street list)",
        )

    @task(20)
    def report(self) -> None:
        lat, lon = point()
        service = random.choice(list(SERVICES))
        got = self.client.post(
            "/api/v1/reports",
            headers=self.device,
            name="POST /reports",
            json={
                "service_code": service,
                "answers": SERVICES[service],
                "description": "Load test report",
                "lat": lat,
                "lon": lon,
            },
        )
        if got.status_code == 201 and random.random() < 0.1:
            self.client.post(
                f"/api/v1/reports/{got.json()['id']}/photos",
                headers=self.device,
                files={"photo": ("photo.jpg", PHOTO, "image/jpeg")},
                name="POST /reports/{id}/photos",
            )
        if random.random() < 0.05:  # the per-device limit is a resident's, not the load's
            self.device = self._device()

    @task(5)
    def survey(self) -> None:
        device = self._device()  # one response per device
        self.client.patch(
            "/api/v1/devices/me", headers=device, json={"jurisdiction": "1261011"}, name="PATCH /devices/me"
        )
        self.client.post(
            f"/api/v1/surveys/{SURVEY}/responses",
            headers=device,
            name="POST /surveys/{id}/responses",
            json={"answers": {"overall": random.randint(1, 5), "nps": random.randint(0, 10), "channel": "app"}},
        )

    @task(5)
    def queue(self) -> None:
        self.client.get(
            f"/api/admin/reports?status={random.choice(STATUSES)}&limit=50",
            headers=STAFF,
            name="GET /api/admin/reports (queue)",
        )
