"""Real Boston 311 requests (2015) as the shape of a city's load: category mix, arrivals, resolution times.

Boston types are mapped onto the demo city's services by keywords; rows without a mapped service
count as "other". Times are Boston local time without an offset; rows closing before they open are
dropped, as are rows at the City Hall default point (they carry no real location).
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "open311" / "boston311_2015.csv.gz"

RULES = [
    (r"street light|lighting", "street_light"),
    (r"pothole", "pothole"),
    (r"sidewalk", "pavement"),
    (r"traffic signal", "traffic_light"),
    (r"sign|pavement marking", "road_sign"),
    (r"graffiti", "graffiti"),
    (r"tree emergenc", "fallen_tree"),
    (r"tree|ground maintenance|park", "greenery"),
    (r"litter basket", "overflowing_bin"),
    (r"bulk item|ce collection|recycling|trash|missed", "missed_collection"),
    (r"abandoned vehicle", "abandoned_vehicle"),
    (r"snow|ice", "snow_ice"),
    (r"dead animal|rodent|needle|dumping|improper storage", "illegal_dumping"),
    (r"playground", "playground"),
    (r"bench", "bench"),
    (r"hydrant|water|leak", "water_leak"),
    (r"catch basin|drain|flood", "blocked_drain"),
    (r"noise|parking|space saver", "noise"),
    (r"bus|shelter|mbta", "transport_stop"),
]
_COMPILED = [(re.compile(p, re.I), code) for p, code in RULES]
FORMAT = "%m/%d/%Y %I:%M:%S %p"


def service_for(boston_type: str) -> str:
    for pattern, code in _COMPILED:
        if pattern.search(boston_type):
            return code
    return "other"


@dataclass(frozen=True)
class Request:
    service: str
    opened: datetime
    closed: datetime | None


def load(path: Path = DATA) -> list[Request]:
    """The usable rows: mapped service, open time, close time (None while open)."""
    out = []
    with gzip.open(path, "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["LATITUDE"] == "42.3594" and row["LONGITUDE"] == "-71.0587":
                continue
            try:
                opened = datetime.strptime(row["OPEN_DT"], FORMAT)
                closed = datetime.strptime(row["CLOSED_DT"], FORMAT) if row["CLOSED_DT"] else None
            except ValueError:
                continue
            if closed is not None and closed < opened:
                continue
            out.append(Request(service_for(row["TYPE"]), opened, closed))
    return out
