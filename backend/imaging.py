"""Photo handling with Pillow: detect the type from the content, refuse bombs, strip every metadata.

The stored image is re-encoded from its pixels alone (JPEG), after applying the EXIF orientation, so
no EXIF (GPS!), XMP, ICC, PNG text or eXIf chunk survives.

Large photos are made small before they are made big: a JPEG is decoded by libjpeg at 1/2, 1/4 or 1/8
of its size when that still covers the target or when its full size would pass MAX_DECODED_BYTES (`draft`);
every image is resized band by band from its own compact mode (1 byte a pixel for black-and-white, grey and
palette images; a HEIC from libheif's buffer), so only one band of rows is ever expanded to RGB; the
orientation is applied to the small result (it commutes with scaling). Other formats, which cannot be
decoded reduced, are refused past MAX_DECODED_BYTES.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

try:  # HEIC/HEIF from iPhones, when the maintained plugin is installed
    from pillow_heif import open_heif, register_heif_opener

    register_heif_opener()
    HEIF: tuple[str, ...] = ("HEIF",)
except ImportError:  # pragma: no cover - optional
    HEIF = ()

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", *HEIF)
MAX_PIXELS = 64_000_000  # 64 megapixels: any phone camera (48/50 MP modes too), not a decompression bomb
MAX_DECODED_BYTES = 100_000_000  # the decoded source in memory; a JPEG beyond it is decoded at 1/2, 1/4 or 1/8
MAX_DECODING_BYTES = 180_000_000  # that plus libjpeg's coefficients while it decodes a progressive JPEG
MAX_SIDE = 4096
THUMB_SIDE = 400
JPEG_QUALITY = 85
BAND_PIXELS = 1_000_000  # source pixels expanded at a time
ORIENTATION = 0x0112
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


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


class HeifRows:
    """A decoded HEIF image handed out band by band from libheif's own buffer (3 bytes a pixel), so Pillow never
    holds a second, full-size copy of it."""

    format = "HEIF"

    def __init__(self, data: bytes) -> None:
        heif = open_heif(BytesIO(data), convert_hdr_to_8bit=True)
        frame = heif[heif.primary_index]
        self._rows: memoryview | None = memoryview(frame.data)  # decodes
        self._stride = int(frame.stride)
        self.mode: str = frame.mode
        self.width, self.height = frame.size
        self.size: tuple[int, int] = frame.size
        self.info: dict[str, object] = {}

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        """Rows box[1]:box[3] at full width as a Pillow image."""
        if self._rows is None:
            raise ValueError("Operation on closed image")
        top, bottom = box[1], box[3]
        rows = self._rows[top * self._stride : bottom * self._stride]
        size = (self.width, bottom - top)
        return Image.frombuffer(self.mode, size, rows, "raw", self.mode, self._stride, 1)  # type: ignore[arg-type]

    def close(self) -> None:
        self._rows = None


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled down (never up) to fit a `side`×`side` square, aspect ratio kept."""
    w, h = size
    if max(w, h) <= side:
        return w, h
    if w >= h:
        return side, max(1, round(h * side / w))
    return max(1, round(w * side / h)), side


def _bytes_per_pixel(mode: str) -> int:
    """Memory a decoded pixel takes: Pillow keeps RGB in 4 bytes; libheif 3, plus its YUV frame while decoding."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _coefficient_bytes(img: Image.Image) -> int:
    """What libjpeg holds while decoding a progressive JPEG: every DCT coefficient of the image, 2 bytes each."""
    layers = getattr(img, "layer", [])
    if not layers or not (img.info.get("progressive") or img.info.get("progression")):
        return 0
    hmax, vmax = max(layer[1] for layer in layers), max(layer[2] for layer in layers)
    blocks = (math.ceil(img.width * h / hmax / 8) * math.ceil(img.height * v / vmax / 8) for _, h, v, _ in layers)
    return sum(blocks) * 64 * 2


def _draft_size(img: Image.Image, side: int) -> tuple[int, int] | None:
    """The size to ask libjpeg for: the target, or smaller while the decoded JPEG would pass MAX_DECODED_BYTES or,
    with the coefficients of a progressive one, MAX_DECODING_BYTES; None when even 1/8 would."""
    w, h = fit(img.size, side)
    coefficients = _coefficient_bytes(img)
    for scale in (1, 2, 4, 8):
        decoded = math.ceil(img.width / scale) * math.ceil(img.height / scale) * 4
        if decoded <= MAX_DECODED_BYTES and decoded + coefficients <= MAX_DECODING_BYTES:
            return min(w, img.width // scale), min(h, img.height // scale)
    return None


def _open(data: bytes, target_side: int) -> Image.Image | HeifRows:
    """The decoded image, a JPEG already reduced as far as `target_side` allows; refused as too large or damaged."""
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
        pixels = img.width * img.height
        if img.format == "JPEG":
            request = _draft_size(img, target_side)
            if request is None or pixels > MAX_PIXELS:
                raise ImageTooLarge(f"{img.width}x{img.height} pixels, progressive: {_coefficient_bytes(img) > 0}")
        elif pixels > MAX_PIXELS or pixels * _bytes_per_pixel(img.mode) > MAX_DECODED_BYTES:
            raise ImageTooLarge(f"{img.width}x{img.height} pixels in {img.mode}")
        try:
            if img.format == "HEIF":
                return HeifRows(data)
            if img.format == "JPEG":
                img.draft("RGB", request)  # libjpeg scales while decoding
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(str(exc)) from exc
        except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
            raise UnsupportedImage("damaged image") from exc
    return img


def _orientation(img: Image.Image | HeifRows) -> int:
    """The EXIF orientation (1 = upright; libheif has already turned a HEIF); a damaged EXIF block counts as upright."""
    if isinstance(img, HeifRows):
        return 1
    try:
        value = img.getexif().get(ORIENTATION, 1)
    except Exception:  # any parse error in untrusted EXIF means "no orientation"
        return 1
    return value if isinstance(value, int) else 1


def _work_mode(img: Image.Image | HeifRows) -> str:
    return "L" if img.mode in ("1", "L") else "RGB"


def _paint_transparent_white(img: Image.Image | HeifRows) -> None:
    """A palette image with one transparent colour gets white in its place: its bands then convert without blending."""
    index = img.info.get("transparency")
    if isinstance(img, Image.Image) and img.mode == "P" and isinstance(index, int):
        palette = img.getpalette("RGB") or []
        if len(palette) >= 3 * index + 3:
            palette[3 * index : 3 * index + 3] = [255, 255, 255]
            img.putpalette(palette)
            del img.info["transparency"]


def _expanded(band: Image.Image, mode: str) -> Image.Image:
    """A band of rows in `mode` (L or RGB), transparency flattened on white."""
    if band.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in band.info:
        rgba = band if band.mode == "RGBA" else band.convert("RGBA")
        flat = Image.new(mode, rgba.size, 255 if mode == "L" else (255, 255, 255))
        flat.paste(rgba, mask=rgba)  # the alpha of an RGBA mask
        return flat
    return band if band.mode == mode else band.convert(mode)


def resized(img: Image.Image | HeifRows, size: tuple[int, int]) -> Image.Image:
    """A new image of `size` (L for black-and-white and grey sources, RGB otherwise) holding only the pixels.

    Bicubic, band by band: each band of output rows is resampled from its source rows plus the filter's margin,
    so the result matches one whole-image resize while only BAND_PIXELS source pixels are expanded at a time.
    """
    mode = _work_mode(img)
    _paint_transparent_white(img)
    out = Image.new(mode, size)
    sx, sy = img.width / size[0], img.height / size[1]
    margin = math.ceil(2 * max(sy, 1.0)) + 1  # bicubic support is 2 output pixels
    rows = max(1, math.floor(max(BAND_PIXELS // img.width, 1) / sy))  # output rows per band
    for top in range(0, size[1], rows):
        bottom = min(size[1], top + rows)
        y0, y1 = top * sy, bottom * sy
        src_top = max(0, math.floor(y0) - margin)
        src_bottom = min(img.height, math.ceil(y1) + margin)
        band = _expanded(img.crop((0, src_top, img.width, src_bottom)), mode)
        if (sx, sy) != (1.0, 1.0):
            box = (0.0, y0 - src_top, float(img.width), y1 - src_top)
            band = band.resize((size[0], bottom - top), Image.Resampling.BICUBIC, box=box)
        out.paste(band, (0, top))
    return out


def _reencode(data: bytes, side: int, quality: int) -> tuple[Image.Image, bytes, str]:
    img = _open(data, side)
    original, turn = str(img.format), TRANSPOSE.get(_orientation(img))
    try:
        small = resized(img, fit(img.size, side))
    except (OSError, ValueError) as exc:  # a mode Pillow cannot convert (e.g. some 16-bit or float images)
        raise UnsupportedImage("unsupported pixel format") from exc
    finally:
        img.close()
    if turn is not None:
        small = small.transpose(turn)
    if small.mode != "RGB":
        small = small.convert("RGB")
    out = BytesIO()
    small.save(out, "JPEG", quality=quality, optimize=True)
    return small, out.getvalue(), original


def sanitize(data: bytes) -> Clean:
    """Re-encode an uploaded photo: upright, at most MAX_SIDE pixels, JPEG, no metadata."""
    small, jpeg, original = _reencode(data, MAX_SIDE, JPEG_QUALITY)
    return Clean(jpeg, small.width, small.height, original)


def thumbnail(jpeg: bytes) -> bytes:
    """A small JPEG of a stored photo (which is already clean)."""
    return _reencode(jpeg, THUMB_SIDE, 80)[1]
