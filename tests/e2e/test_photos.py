"""Photos: type from content, size and pixel limits, every metadata stripped, moderation, thumbnails."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image, ImageDraw, PngImagePlugin
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Photo
from backend.reporting import photos as photo_service
from tests.conftest import MEDIA_ROOT
from tests.e2e.conftest import Resident
from tests.support.waiting import eventually

GPS = {1: "N", 2: (50.0, 3.0, 42.0), 3: "E", 4: (19.0, 56.0, 14.0)}
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="50,3.7N"/></rdf:RDF>'
       b"</x:xmpmeta>")
LEAKS = (b"Exif", b"SecretCam", b"xmpmeta", b"eXIf", b"tEXt", b"iTXt", b"secret-comment")


def leaks(data: bytes) -> bool:
    """Does the image carry GPS in EXIF, XMP, a comment or PNG text?"""
    img = Image.open(io.BytesIO(data))
    return bool(img.getexif().get_ifd(0x8825)) or "xmp" in img.info or any(m in data for m in LEAKS)


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = GPS  # GPSInfo
    return exif


def jpeg_with_gps_rotated() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 200)).save(buf, "JPEG", exif=exif_with_gps(orientation=6),
                                                   comment=b"secret-comment")
    return buf.getvalue()


def png_with_exif_chunk() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-comment")
    buf = io.BytesIO()
    Image.new("RGBA", (50, 30), (0, 200, 0, 128)).save(buf, "PNG", exif=exif_with_gps(), pnginfo=info)
    return buf.getvalue()


def webp_with_xmp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 30), (250, 250, 0)).save(buf, "WEBP", xmp=XMP, exif=exif_with_gps())
    return buf.getvalue()


def upload(user: Resident, report_id: int, data: bytes, filename: str = "photo.jpg") -> object:
    return user.client.post(f"/api/v1/reports/{report_id}/photos", headers=user.headers,
                            data={"photo": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def stored(kind: str, name: str) -> Path:
    return MEDIA_ROOT / kind / f"{name}.jpg"


def wait_thumbnail(db: Session, photo_id: int) -> Photo:
    def with_thumbnail() -> Photo | None:
        db.expire_all()
        photo = db.get(Photo, photo_id)
        return photo if photo is not None and photo.has_thumbnail else None

    return eventually(with_thumbnail, what=f"a thumbnail of photo {photo_id}")


def assert_clean(path: Path) -> Image.Image:
    raw = path.read_bytes()
    assert not leaks(raw), path
    img = Image.open(path)
    assert img.format == "JPEG" and not img.getexif() and "exif" not in img.info and "xmp" not in img.info
    return img


@pytest.mark.parametrize(("make", "name"), [(jpeg_with_gps_rotated, "gps.jpg"), (png_with_exif_chunk, "exif.png"),
                                            (webp_with_xmp, "xmp.webp")])
def test_no_metadata_survives_in_the_photo_or_its_thumbnail(resident, db: Session, worker: object, make, name) -> None:
    me = resident()
    report = me.report()
    original = make()
    assert leaks(original)  # the input really carries the metadata
    res = upload(me, report["id"], original, name)
    assert res.status_code == 201, res.json
    photo = wait_thumbnail(db, res.json["id"])
    img = assert_clean(stored("photos", photo.name))
    assert_clean(stored("thumbs", photo.name))
    if name == "gps.jpg":
        assert img.size == (40, 60)  # Orientation=6 applied to the pixels
    detail = me.get(f"/api/v1/reports/{report['id']}").json
    entry = detail["photos"][0]
    assert entry["thumbnail_url"] and entry["url"].endswith(f"/media/photos/{photo.name}.jpg")
    served = me.client.get(f"/media/thumbs/{photo.name}.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"


def test_a_renamed_pdf_is_415(resident) -> None:
    me = resident()
    res = upload(me, me.report()["id"], b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "photo.jpg")
    assert res.status_code == 415 and "photo" in res.json["errors"]["json"]


def test_an_eleven_megabyte_file_is_413(resident) -> None:
    me = resident()
    res = upload(me, me.report()["id"], b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024))
    assert res.status_code == 413


def test_a_decompression_bomb_is_refused_and_the_worker_still_works(resident, db: Session, worker: object) -> None:
    buf = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buf, "PNG")  # 144 megapixels in a few kilobytes
    assert len(buf.getvalue()) < 1024 * 1024
    me = resident()
    report = me.report()
    assert upload(me, report["id"], buf.getvalue(), "bomb.png").status_code == 413
    res = upload(me, report["id"], jpeg_with_gps_rotated())
    assert res.status_code == 201
    wait_thumbnail(db, res.json["id"])


def test_a_sixth_photo_is_422_and_only_the_reporter_may_add_photos(resident) -> None:
    me, other = resident(), resident()
    report = me.report()
    for _ in range(5):
        assert upload(me, report["id"], jpeg_with_gps_rotated()).status_code == 201
    sixth = upload(me, report["id"], jpeg_with_gps_rotated())
    assert sixth.status_code == 422 and "photo" in sixth.json["errors"]["json"]
    assert upload(other, report["id"], jpeg_with_gps_rotated()).status_code == 403
    assert other.client.post(f"/api/v1/reports/{report['id']}/photos", data={}).status_code == 401


def test_a_retried_upload_with_the_same_idempotency_key_stores_one_photo(resident, db: Session) -> None:
    me = resident()
    report = me.report()
    data = jpeg_with_gps_rotated()

    def send(key: str, body: bytes = data) -> object:
        return me.client.post(f"/api/v1/reports/{report['id']}/photos", headers={**me.headers, "Idempotency-Key": key},
                              data={"photo": (io.BytesIO(body), "photo.jpg")}, content_type="multipart/form-data")

    first, again = send("photo-1"), send("photo-1")
    assert first.status_code == again.status_code == 201
    # The same photo answers again; its thumbnail may have been made by the worker in between.
    assert {k: v for k, v in again.json.items() if k != "thumbnail_url"} == {
        k: v for k, v in first.json.items() if k != "thumbnail_url"}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.scalars(select(Photo.id).where(Photo.report_id == report["id"])).all() == [first.json["id"]]
    other = send("photo-2")
    assert other.status_code == 201 and other.json["id"] != first.json["id"]
    changed = send("photo-1", png_with_exif_chunk())
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json["errors"]["json"]
    for _ in range(3):
        assert send("photo-1").status_code == 201
    assert db.scalar(select(func.count()).select_from(Photo).where(Photo.report_id == report["id"])) == 2


def test_pre_moderation_hides_a_photo_until_staff_approve_it(app: Flask, resident, client, db: Session,
                                                             worker: object) -> None:
    me = resident()
    report = me.report(service_code="road_sign", lat=50.2, lon=20.1, answers={})  # the powiat pre-moderates
    res = upload(me, report["id"], jpeg_with_gps_rotated())
    assert res.status_code == 201 and res.json["state"] == "pending"
    photo = wait_thumbnail(db, res.json["id"])
    assert client.get(f"/api/v1/reports/{report['id']}").json["photos"] == []
    assert client.get(f"/media/photos/{photo.name}.jpg").status_code == 404
    assert client.get(f"/media/thumbs/{photo.name}.jpg").status_code == 404
    photo_service.moderate(photo.id, approve=True)
    assert len(client.get(f"/api/v1/reports/{report['id']}").json["photos"]) == 1
    assert client.get(f"/media/photos/{photo.name}.jpg").status_code == 200
    photo_service.moderate(photo.id, approve=False)
    assert client.get(f"/media/photos/{photo.name}.jpg").status_code == 404


def test_a_truncated_jpeg_is_refused_and_the_worker_still_works(resident, db: Session, worker: object) -> None:
    whole = jpeg_with_gps_rotated()
    me = resident()
    report = me.report()
    res = upload(me, report["id"], whole[: len(whole) // 2])
    assert 400 <= res.status_code < 500 and "photo" in str(res.json)
    good = upload(me, report["id"], whole)
    assert good.status_code == 201
    wait_thumbnail(db, good.json["id"])


def test_a_polyglot_keeps_nothing_but_the_picture(resident, db: Session, worker: object) -> None:
    """A JPEG with an HTML page and a ZIP archive appended: accepted as the picture it is, stored re-encoded, so
    neither payload is ever served back."""
    payload_html = b"<html><script>alert('polyglot')</script></html>"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("evil.sh", "rm -rf /")
    me = resident()
    res = upload(me, me.report()["id"], jpeg_with_gps_rotated() + payload_html + zipped.getvalue(), "photo.jpg")
    if res.status_code == 201:
        photo = wait_thumbnail(db, res.json["id"])
        for kind in ("photos", "thumbs"):
            served = me.client.get(f"/media/{kind}/{photo.name}.jpg")
            assert served.status_code in (200, 404)  # pending moderation may hide it from the public
            data = stored(kind, photo.name).read_bytes()
            assert b"<script" not in data and b"evil.sh" not in data and b"PK\x03\x04" not in data
            assert served.status_code == 404 or served.headers["Content-Type"] == "image/jpeg"
    else:
        assert 400 <= res.status_code < 500


def test_a_36_megapixel_black_and_white_png_is_stored_reduced_with_its_pattern(resident, db: Session,
                                                                              worker: object) -> None:
    """A scanned page of 7360x4912 one-bit pixels: accepted, stored as a 4096 px JPEG that still shows it."""
    page = Image.new("1", (7360, 4912), 1)
    ImageDraw.Draw(page).rectangle((0, 0, 3679, 2455), fill=0)  # black top-left quarter
    ImageDraw.Draw(page).rectangle((3680, 2456, 7359, 4911), fill=0)  # black bottom-right quarter
    buf = io.BytesIO()
    page.save(buf, "PNG")
    me = resident()
    res = upload(me, me.report()["id"], buf.getvalue(), "scan.png")
    assert res.status_code == 201, res.json
    photo = wait_thumbnail(db, res.json["id"])
    assert (photo.width, photo.height, photo.original_type) == (4096, 2734, "PNG")
    img = assert_clean(stored("photos", photo.name))
    assert img.size == (4096, 2734)
    for xy, expected in (((500, 500), 0), ((3500, 500), 255), ((500, 2200), 255), ((3500, 2200), 0)):
        assert all(abs(c - expected) < 16 for c in img.getpixel(xy)), (xy, img.getpixel(xy))
    assert Image.open(stored("thumbs", photo.name)).size == (400, 267)


def test_a_fifty_megabyte_body_is_413_and_the_api_keeps_answering(resident) -> None:
    me = resident()
    report = me.report()
    res = upload(me, report["id"], b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024))
    assert res.status_code == 413
    assert me.get(f"/api/v1/reports/{report['public_id']}").status_code == 200
