"""What the benchmarks share: a real gunicorn serving the app, timed HTTP requests, percentiles."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def gunicorn(workers: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """Serve the app with gunicorn on a free local port until the block ends; yields the port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
            "backend.wsgi:app",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    try:
        for _ in range(150):
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(20)


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, float]:
    """One request on a new connection: (status, parsed JSON body or None, seconds)."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        method,
        path,
        None if body is None else json.dumps(body),
        {"Content-Type": "application/json", **(headers or {})},
    )
    res = conn.getresponse()
    raw = res.read()
    conn.close()
    elapsed = time.perf_counter() - t0
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return res.status, parsed, elapsed


def timed_get(port: int, path: str, headers: dict[str, str] | None = None) -> float:
    """Seconds a GET took; any status but 200 stops the benchmark."""
    status, _, elapsed = request(port, "GET", path, headers=headers)
    if status != 200:
        raise RuntimeError(f"{path}: {status}")
    return elapsed


def pct(values: list[float], q: float) -> float:
    """The q-quantile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000
