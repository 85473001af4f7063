"""Large uploads are made small before they are made big: bounded memory, JPEGs decoded reduced, bands without seams,
orientation applied to the small result, transparency on white, sources too big to decode refused."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from backend import imaging

ROOT = Path(__file__).resolve().parents[2]
BUDGET_MB = 200

# A fresh interpreter re-encodes the bytes on stdin. Its peak is the high-water mark (VmHWM, reset through
# /proc/self/clear_refs after the imports) minus the resident size after the imports: what one upload costs.
CHILD = """
import json, re, sys
from backend.imaging import sanitize
def kib(key):
    with open("/proc/self/status") as f:
        return int(re.search(key + r":\\s+(\\d+)", f.read()).group(1))
base = kib("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
clean = sanitize(sys.stdin.buffer.read())
print(json.dumps({"mb": (kib("VmHWM") - base) / 1024, "size": [clean.width, clean.height]}))
"""


def encoded(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def quadrants(size: tuple[int, int]) -> Image.Image:
    """Black-and-white: black top-left and bottom-right quarters, white elsewhere."""
    img = Image.new("1", size, 1)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((0, 0, w // 2 - 1, h // 2 - 1), fill=0)
    draw.rectangle((w // 2, h // 2, w - 1, h - 1), fill=0)
    return img


def two_colours(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", size, top)
    ImageDraw.Draw(img).rectangle((0, size[1] // 2, size[0] - 1, size[1] - 1), fill=bottom)
    return img


def palette_with_transparency(size: tuple[int, int]) -> Image.Image:
    """Index 0 transparent (left half), index 1 red (right half)."""
    img = Image.new("P", size, 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    ImageDraw.Draw(img).rectangle((size[0] // 2, 0, size[0] - 1, size[1] - 1), fill=1)
    return img


def peak_mb(data: bytes) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD], input=data, capture_output=True, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr.decode()[-600:]
    return json.loads(out.stdout)


LARGE = {
    "36 MP 1-bit PNG": lambda: encoded(quadrants((7360, 4912)), "PNG"),
    "36 MP palette PNG with transparency": lambda: encoded(
        palette_with_transparency((7360, 4912)), "PNG", transparency=0
    ),
    "24 MP JPEG": lambda: encoded(two_colours((6000, 4000), (200, 30, 30), (30, 30, 200)), "JPEG"),
    "48 MP JPEG": lambda: encoded(two_colours((8000, 6000), (200, 30, 30), (30, 30, 200)), "JPEG"),
    "24 MP progressive JPEG": lambda: encoded(
        two_colours((6000, 4000), (200, 30, 30), (30, 30, 200)), "JPEG", progressive=True
    ),
    "48 MP progressive JPEG": lambda: encoded(
        two_colours((8000, 6000), (200, 30, 30), (30, 30, 200)), "JPEG", progressive=True
    ),
    "24 MP progressive JPEG, 4:4:4": lambda: encoded(
        two_colours((6000, 4000), (200, 30, 30), (30, 30, 200)), "JPEG", progressive=True, subsampling=0
    ),
    "24 MP RGBA PNG": lambda: encoded(Image.new("RGBA", (6000, 4000), (0, 90, 0, 128)), "PNG"),
}


@pytest.mark.parametrize("kind", LARGE)
def test_a_large_upload_is_reencoded_within_200_mb(kind: str) -> None:
    data = LARGE[kind]()
    assert len(data) < 10 * 1024 * 1024  # an upload the API accepts
    result = peak_mb(data)
    assert max(result["size"]) <= imaging.MAX_SIDE
    assert result["mb"] < BUDGET_MB, f"{kind}: {result['mb']:.0f} MB"


def test_the_black_and_white_pattern_survives_at_the_right_size() -> None:
    clean = imaging.sanitize(encoded(quadrants((7360, 4912)), "PNG"))
    assert (clean.width, clean.height) == (4096, 2734)
    img = Image.open(io.BytesIO(clean.jpeg))
    assert img.format == "JPEG" and img.mode == "RGB" and img.size == (4096, 2734)
    for xy, expected in (((500, 500), 0), ((3500, 500), 255), ((500, 2200), 255), ((3500, 2200), 0)):
        assert all(abs(c - expected) < 16 for c in img.getpixel(xy)), (xy, img.getpixel(xy))


def test_a_jpeg_beyond_the_memory_budget_is_decoded_reduced(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[tuple[int, int]] = []
    real = imaging.resized
    monkeypatch.setattr(imaging, "resized", lambda img, size: decoded.append(img.size) or real(img, size))
    clean = imaging.sanitize(encoded(two_colours((10000, 6400), (200, 30, 30), (30, 30, 200)), "JPEG"))
    assert decoded == [(5000, 3200)]  # libjpeg decoded at 1/2: 64 MB instead of 256 MB
    assert (clean.width, clean.height) == (4096, 2621)
    decoded.clear()
    imaging.thumbnail(clean.jpeg)
    assert decoded == [(512, 328)]  # the thumbnail of a stored photo is decoded at 1/8


def test_a_24_megapixel_jpeg_keeps_the_full_stored_size(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[tuple[int, int]] = []
    real = imaging.resized
    monkeypatch.setattr(imaging, "resized", lambda img, size: decoded.append(img.size) or real(img, size))
    clean = imaging.sanitize(encoded(two_colours((6000, 4000), (200, 30, 30), (30, 30, 200)), "JPEG"))
    assert decoded == [(6000, 4000)] and (clean.width, clean.height) == (4096, 2731)


def test_an_exif_rotated_large_jpeg_comes_out_upright() -> None:
    exif = Image.Exif()
    exif[imaging.ORIENTATION] = 6  # the camera was turned: display rotated 90° clockwise
    data = encoded(two_colours((9000, 6000), (220, 20, 20), (20, 20, 220)), "JPEG", exif=exif)
    clean = imaging.sanitize(data)
    assert (clean.width, clean.height) == (2731, 4096)
    img = Image.open(io.BytesIO(clean.jpeg))
    assert not img.getexif()
    red, blue = img.getpixel((2500, 2000)), img.getpixel((200, 2000))
    assert red[0] > 180 and red[2] < 60, red  # the top (red) is now on the right
    assert blue[2] > 180 and blue[0] < 60, blue


@pytest.mark.skipif(not imaging.HEIF, reason="pillow-heif is not installed")
def test_a_heic_is_read_band_by_band_from_the_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    sources: list[object] = []
    real = imaging.resized
    monkeypatch.setattr(imaging, "resized", lambda img, size: sources.append(img) or real(img, size))
    monkeypatch.setattr(imaging, "BAND_PIXELS", 1600 * 50)
    heic = encoded(two_colours((1600, 1000), (220, 20, 20), (20, 20, 220)), "HEIF", quality=60)
    clean = imaging.sanitize(heic)
    assert [type(s) for s in sources] == [imaging.HeifRows]  # no full-size Pillow copy of the decoded picture
    img = Image.open(io.BytesIO(clean.jpeg))
    assert (clean.width, clean.height, clean.original_type) == (1600, 1000, "HEIF")
    top, bottom = img.getpixel((800, 200)), img.getpixel((800, 800))
    assert top[0] > 180 and top[2] < 60 and bottom[2] > 180 and bottom[0] < 60, (top, bottom)
    with pytest.raises(imaging.UnsupportedImage):
        imaging.sanitize(heic[: len(heic) // 2])


def test_bands_leave_no_seam(monkeypatch: pytest.MonkeyPatch) -> None:
    source = Image.merge("RGB", [Image.effect_noise((1500, 1100), 60).convert("L") for _ in range(3)])
    monkeypatch.setattr(imaging, "BAND_PIXELS", 1500 * 37)  # 30 bands
    banded = imaging.resized(source, (640, 469))
    whole = source.resize((640, 469), Image.Resampling.BICUBIC)
    assert max(hi for _, hi in ImageChops.difference(banded, whole).getextrema()) <= 2


def test_transparency_is_flattened_on_white() -> None:
    clean = imaging.sanitize(encoded(palette_with_transparency((200, 100)), "PNG", transparency=0))
    img = Image.open(io.BytesIO(clean.jpeg))
    left, right = img.getpixel((40, 50)), img.getpixel((160, 50))
    assert min(left) > 240, left
    assert right[0] > 230 and right[1] < 30, right


def test_sources_too_big_to_decode_are_refused() -> None:
    with pytest.raises(imaging.ImageTooLarge):  # 36 MP RGB that no codec can decode reduced: 144 MB
        imaging.sanitize(encoded(Image.new("RGB", (7360, 4912), (9, 9, 9)), "PNG"))
    with pytest.raises(imaging.ImageTooLarge):  # beyond MAX_PIXELS even as a JPEG
        imaging.sanitize(encoded(Image.new("L", (10000, 6500)), "JPEG"))
    with pytest.raises(imaging.ImageTooLarge):  # libjpeg would hold 189 MB of coefficients at any scale
        imaging.sanitize(encoded(Image.new("RGB", (9000, 7000)), "JPEG", progressive=True))
