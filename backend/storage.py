"""Files under MEDIA_ROOT: photos/<name>.jpg and thumbs/<name>.jpg, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import current_app

KINDS = ("photos", "thumbs")


def media_root() -> Path:
    return Path(current_app.config["HROMADA_SETTINGS"].MEDIA_ROOT)


def path_of(kind: str, name: str) -> Path:
    if kind not in KINDS or not name.isalnum():
        raise ValueError("bad media path")
    return media_root() / kind / f"{name}.jpg"


def write(kind: str, name: str, data: bytes) -> Path:
    """Write a file atomically (a reader never sees half of it)."""
    target = path_of(kind, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def remove(kind: str, name: str) -> None:
    path_of(kind, name).unlink(missing_ok=True)
