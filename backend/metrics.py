"""`/metrics` in Prometheus format (prometheus_client).

HTTP requests are counted per route template and status in each web process; with several gunicorn workers,
set `PROMETHEUS_MULTIPROC_DIR` (the client library's multi-process mode: `make run` does) so a scrape sums them.
Everything about the queues is read from the database at scrape time, so it is right whichever process
(web, worker, another host) did the work: outbox pending rows and lag, deliveries per channel and state, and
push tokens pruned. `METRICS_TOKEN`, when set, must be sent as a bearer token; without it /metrics is open only
in development and answers 404 in production (`Settings.metrics_access`).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from backend.db import session
from backend.models import Delivery, Device, OutboxEvent, utcnow

REQUESTS = Counter(
    "hromada_http_requests_total", "HTTP requests by route template and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "hromada_http_request_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

bp = Blueprint("metrics", __name__)


class QueueCollector(Collector):
    """Outbox and delivery state, read from the database when scraped."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.app.app_context():
            s = session()
            pending, oldest = s.execute(
                select(func.count(), func.min(OutboxEvent.available_at)).where(OutboxEvent.status == "pending")
            ).one()
            dead = s.execute(select(func.count()).where(OutboxEvent.status == "dead")).scalar_one()
            states = s.execute(
                select(Delivery.channel, Delivery.status, func.count()).group_by(Delivery.channel, Delivery.status)
            ).all()
            pruned = s.execute(select(func.count()).where(Device.push_token_pruned_at.isnot(None))).scalar_one()
            s.rollback()
        yield GaugeMetricFamily("hromada_outbox_pending", "Outbox events waiting to be handled", value=pending)
        yield GaugeMetricFamily("hromada_outbox_dead", "Outbox events that gave up", value=dead)
        lag = max((utcnow() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        yield GaugeMetricFamily("hromada_outbox_lag_seconds", "Age of the oldest due outbox event", value=lag)
        family = GaugeMetricFamily(
            "hromada_deliveries", "Delivery rows by channel and state (outcome)", labels=["channel", "status"]
        )
        for channel, status, n in states:
            family.add_metric([channel, status], n)
        yield family
        yield GaugeMetricFamily(
            "hromada_push_tokens_pruned", "Devices whose push token FCM declared dead", value=pruned
        )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["hromada.metrics_collector"] = QueueCollector(app)

    @app.before_request
    def _start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            LATENCY.labels(route).observe(time.perf_counter() - started)
        return response


@bp.get("/metrics")
def metrics() -> Any:
    settings = current_app.config["HROMADA_SETTINGS"]
    if settings.metrics_access == "closed":
        return Response("not found\n", status=404, mimetype="text/plain")
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return Response(
                "metrics need the bearer token\n",
                status=401,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(current_app.extensions["hromada.metrics_collector"])
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
