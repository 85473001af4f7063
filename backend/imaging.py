"""Photo handling with Pillow: detect the type from the content, refuse bombs, strip every metadata.

The stored image is re-encoded from its pixels alone (JPEG), after applying the EXIF orientation, so
no EXIF (GPS!), XMP, ICC, PNG text or eXIf chunk survives.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF from iPhones, when the maintained plugin is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF: tuple[str, ...] = ("HEIF",)
except ImportError:  # pragma: no cover - optional
    HEIF = ()

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", *HEIF)
MAX_PIXELS = 40_000_000  # 40 megapixels: any phone camera, not a decompression bomb
MAX_SIDE = 4096
THUMB_SIDE = 400
JPEG_QUALITY = 85


class UnsupportedImage(ValueError):
    """Not an image of an accepted type (JPEG, PNG, WebP, HEIC)."""


class ImageTooLarge(ValueError):
    """Too many pixels (a decompression bomb, or a panorama beyond the limit)."""


@dataclass(frozen=True)
class Clean:
    jpeg: bytes
    width: int
    height: int
    original_type: str


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(str(exc)) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise UnsupportedImage("not an image") from exc
        if img.format not in ALLOWED_FORMATS:
            raise UnsupportedImage(f"{img.format} is not accepted")
        if img.width * img.height > MAX_PIXELS:
            raise ImageTooLarge(f"{img.width}x{img.height} pixels")
        try:
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(str(exc)) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise UnsupportedImage("damaged image") from exc
    return img


def _pixels_only(img: Image.Image) -> Image.Image:
    """A new RGB image holding only the pixels (alpha flattened on white)."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        img = base
    else:
        img = img.convert("RGB")
    clean = Image.new("RGB", img.size)
    clean.paste(img)
    return clean


def sanitize(data: bytes) -> Clean:
    """Re-encode an uploaded photo: upright, at most MAX_SIDE pixels, JPEG, no metadata."""
    img = _open(data)
    original = str(img.format)
    img = ImageOps.exif_transpose(img) or img
    clean = _pixels_only(img)
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Clean(out.getvalue(), clean.width, clean.height, original)


def thumbnail(jpeg: bytes) -> bytes:
    """A small JPEG of a stored photo (which is already clean)."""
    img = _pixels_only(_open(jpeg))
    img.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = BytesIO()
    img.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()
