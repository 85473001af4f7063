"""GET /api/v1/map/tiles/{z}/{x}/{y}: a full answer (200) and a revalidation (If-None-Match → 304), against the
floor of the bbox map (GET /api/v1/reports?bbox=) for the same area and zoom, through gunicorn.

Run after bench/seed.py. Tiles are random tiles over Kraków at city, district and street zoom.

    .venv/bin/python bench/map_tiles.py [--requests 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import sys
import time
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, pct, timed_get  # noqa: E402

KRAKOW = (19.79, 49.97, 20.21, 50.12)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_box(z: int, x: int, y: int) -> str:
    n = 2**z
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    return f"{x / n * 360 - 180},{south},{(x + 1) / n * 360 - 180},{north}"


def tiles(rng: random.Random, z: int, n: int) -> list[tuple[int, int, int]]:
    return [(z, *tile_of(rng.uniform(KRAKOW[0], KRAKOW[2]), rng.uniform(KRAKOW[1], KRAKOW[3]), z)) for _ in range(n)]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes, float]:
    """One GET on a new connection (as bench.common.request): (status, ETag, body, seconds)."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, res.headers.get("ETag", ""), body, time.perf_counter() - t0


def measure(port: int, chosen: list[tuple[int, int, int]]) -> tuple[list[float], list[float], list[float], int]:
    """(full answers, 304 answers, bbox floor) in seconds, and the tiles' clusters counted."""
    full, revalidated, floor, clusters = [], [], [], 0
    for z, x, y in chosen:
        path = f"/api/v1/map/tiles/{z}/{x}/{y}"
        status, etag, body, elapsed = get(port, path)
        if status != 200:
            raise RuntimeError(f"tile {z}/{x}/{y}: {status}")
        full.append(elapsed)
        clusters += len(json.loads(body)["features"])
        status, _, _, elapsed = get(port, path, {"If-None-Match": etag})
        if status != 304:
            raise RuntimeError(f"tile {z}/{x}/{y} asked again with its ETag: {status}")
        revalidated.append(elapsed)
        floor.append(timed_get(port, f"/api/v1/reports?bbox={tile_box(z, x, y)}&zoom={z}"))
    return full, revalidated, floor, clusters


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    rng = random.Random(23)
    scenarios = {"city zoom 12": 12, "district zoom 14": 14, "street zoom 16": 16}
    results = {}
    with gunicorn(2) as port:
        health = [timed_get(port, "/healthz") for _ in range(args.requests)]
        for name, z in scenarios.items():
            measure(port, tiles(rng, z, 10))  # warm both paths
            results[name] = measure(port, tiles(rng, z, args.requests))
    print(f"{args.requests} random tiles over Kraków per zoom; the floor is the bbox map for the tile's own box")
    for name, (full, revalidated, floor, clusters) in results.items():
        print(
            f"{name:<17} tile 200 p50 {pct(full, 0.5):6.1f} ms p95 {pct(full, 0.95):6.1f} | 304 p50 "
            f"{pct(revalidated, 0.5):6.1f} p95 {pct(revalidated, 0.95):6.1f} | bbox p50 {pct(floor, 0.5):6.1f} "
            f"p95 {pct(floor, 0.95):6.1f} | ratio to bbox p50: 200 {pct(full, 0.5) / pct(floor, 0.5):.2f}, "
            f"304 {pct(revalidated, 0.5) / pct(floor, 0.5):.2f} | {clusters / len(full):.1f} clusters a tile"
        )
    print(f"{'HTTP floor: GET /healthz':<17} p50 {pct(health, 0.5):6.1f} ms p95 {pct(health, 0.95):6.1f} (no database)")


if __name__ == "__main__":
    main()
