"""Photos: what we accept, what it costs, where it happens, and what is left on disk afterwards."""

import functools
import io
import os
import struct
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile

from hazards import photos
from hazards.imports.tracks import read_drawn_line
from hazards.models import Hazard, HazardPhoto, Patrol, Village, WorkOrder

from .conftest import jpeg, make_hazard
from .test_drills import drill_data
from .test_patrols import drawn
from .test_validation import KOUZI, errors, report


def _png(width, height, pixel_data):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel_data) + chunk(b"IEND", b"")


@functools.cache
def _png_bytes(width, height):
    # Compressed row by row, never holding the pixels: one colour compresses to almost nothing.
    deflate = zlib.compressobj(9)
    rows = bytes((1 + width * 3) * 100)
    body = b"".join(deflate.compress(rows) for _ in range(height // 100)) + deflate.compress(
        bytes((1 + width * 3) * (height % 100))) + deflate.flush()
    return _png(width, height, body)


def _png_header_only(width, height):
    """A PNG that claims a size and holds no pixels: past twice its limit, Pillow refuses it on reading the header."""
    return _png(width, height, zlib.compress(b""))


def huge_png():
    """A 13,000 x 13,000 single-colour PNG: about 0.5 MB on disk, 169 megapixels to decode."""
    return SimpleUploadedFile("river.png", _png_bytes(13000, 13000), content_type="image/png")


def mpo(gps=None):
    """A JPEG with an MPF block and a second picture (a Sony or Panasonic camera's), which Pillow calls MPO."""
    first = Image.open(jpeg(gps=gps))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (160, 120), "#6b8e23")],
               exif=first.info["exif"])
    return SimpleUploadedFile("DSC01234.JPG", out.getvalue(), content_type="image/jpeg")


def with_flipped_exif(upload):
    """The same JPEG with a few bytes flipped inside its EXIF block, as a faulty phone app leaves it."""
    data = bytearray(upload.read())
    start = data.index(b"Exif\x00\x00") + 6  # the TIFF header, then the first directory
    for offset in (0, 1, 3, 11):
        data[start + offset] ^= 0xFF
    return SimpleUploadedFile(upload.name, bytes(data), content_type="image/jpeg")


def media_files(settings):
    return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())


# What we accept, through the real hazard report page

@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_13000_pixel_square_png_is_refused_with_a_message_and_the_server_keeps_serving(rivers, client_as, settings):
    client = client_as("inspector")
    response = report(client, latitude=KOUZI[0], longitude=KOUZI[1], photos=[huge_png()])
    assert response.status_code == 200
    assert "The photo river.png has too many pixels: photos of up to 40 megapixels are accepted." in errors(response)
    assert not Hazard.objects.exists() and media_files(settings) == []
    assert client.get(reverse("hazards:create")).status_code == 200


def test_the_pixel_limit_is_a_setting(rivers, client_as, settings):
    settings.MAX_PHOTO_PIXELS = 300_000
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], photos=[jpeg(size=(640, 480))])
    assert "photos of up to 0.3 megapixels are accepted" in errors(response)
    assert not Hazard.objects.exists()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pillows_decompression_bomb_warning_is_an_error(rivers, client_as, settings):
    settings.MAX_PHOTO_PIXELS = 500_000_000  # above Pillow's limit, where it only warns: the photo is still refused
    assert 169_000_000 < 2 * Image.MAX_IMAGE_PIXELS  # a warning, not Pillow's own DecompressionBombError
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], photos=[huge_png()])
    assert "The photo river.png has too many pixels: photos of up to 89.5 megapixels are accepted." in errors(response)
    assert not Hazard.objects.exists() and media_files(settings) == []


def test_an_image_past_twice_pillows_limit_is_refused_the_same_way(rivers, client_as, settings):
    settings.MAX_PHOTO_PIXELS = 500_000_000
    upload = SimpleUploadedFile("bomb.png", _png_header_only(20000, 20000), content_type="image/png")
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], photos=[upload])
    assert "The photo bomb.png has too many pixels" in errors(response)
    assert not Hazard.objects.exists() and media_files(settings) == []


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.*")
def test_a_jpeg_with_malformed_exif_is_kept_without_its_exif(rivers, client_as):
    # The picture is sound: only its metadata is broken, so the photo is kept and the EXIF ignored.
    upload = with_flipped_exif(jpeg(gps=KOUZI))
    with pytest.raises(SyntaxError):  # really malformed, as Pillow reads it
        Image.Exif().load(Image.open(upload).info["exif"])
    upload.seek(0)
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], photos=[upload])
    assert response.status_code == 302
    photo = Hazard.objects.get().photos.get()
    assert photo.gps_location is None and Image.open(photo.thumbnail).size == (480, 360)


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.*")
def test_a_position_is_never_taken_from_malformed_exif(rivers, client_as):
    response = report(client_as("inspector"), photos=[with_flipped_exif(jpeg(gps=KOUZI))])
    assert response.status_code == 200
    assert "Choose the location: click the map, use your position, or attach a photo with GPS." in errors(response)
    assert not Hazard.objects.exists()


def test_a_jpeg_with_an_mpf_block_is_accepted_and_stored_as_a_jpeg(rivers, client_as):
    upload = mpo(gps=KOUZI)
    assert Image.open(upload).format == "MPO"
    upload.seek(0)
    response = report(client_as("inspector"), photos=[upload])
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert (round(hazard.location.y, 4), round(hazard.location.x, 4)) == KOUZI  # its GPS was read
    photo = hazard.photos.get()
    assert photo.image.name.endswith(".jpg") and photo.image.read() == upload.file.getvalue()
    assert Image.open(photo.thumbnail).size == (480, 360)


def test_a_photo_taken_upright_gets_an_upright_thumbnail(rivers, client_as):
    image = Image.new("RGB", (640, 480), "#3d85c6")
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright: turn the picture 90 degrees to show it
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    upload = SimpleUploadedFile("upright.jpg", out.getvalue(), content_type="image/jpeg")
    report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], photos=[upload])
    assert Image.open(Hazard.objects.get().photos.get().thumbnail).size == (360, 480)


def test_a_large_jpeg_is_decoded_at_a_fraction_of_its_size(rivers, client_as, monkeypatch):
    decoded = []
    load = ImageFile.ImageFile.load

    def recording_load(image):
        result = load(image)
        decoded.append(image.size)
        return result

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], photos=[jpeg(size=(6000, 4000))])
    assert response.status_code == 302
    assert decoded and max(w * h for w, h in decoded) <= 6000 * 4000 / 16  # an eighth of each side would do too


# Everything expensive happens before the transaction opens

def _hazard_page(cast, rivers):
    return reverse("hazards:create"), {"title": "Culvert", "kind": "culvert", "blockage_pct": "40",
                                       "status": "reported", "latitude": KOUZI[0], "longitude": KOUZI[1]}


def _order(cast, rivers, percent=0):
    order = WorkOrder.objects.create(title="Enlarge the culvert", kind="enlarge_culvert", progress_pct=percent,
                                     status="completed" if percent == 100 else "planned",
                                     hazard=make_hazard(rivers["xiaotaihou"], 1800, kind="culvert"))
    order.engineers.add(cast["engineer"])
    return order


def _progress_page(cast, rivers):
    order = _order(cast, rivers)
    return reverse("hazards:work-order-progress", args=[order.pk]), {"percent": 60, "version": order.version}


def _acceptance_page(cast, rivers):
    order = _order(cast, rivers, percent=100)
    return reverse("hazards:work-order-accept", args=[order.pk]), {"version": order.version}


def _patrol_check_page(cast, rivers):
    river = rivers["xiaotaihou"]
    patrol = Patrol.objects.create(river=river, inspector=cast["inspector"], source="drawn",
                                   date=timezone.localdate(), track=read_drawn_line(drawn(river, 1000, 4000)).line)
    culvert = make_hazard(river, 1800, kind="culvert")
    return reverse("hazards:patrol-check", args=[patrol.pk]), {"hazard": culvert.pk, "observation": "Half blocked"}


def _drill_page(cast, rivers):
    return reverse("hazards:drill-create"), drill_data(villages=[Village.objects.get(name_en="Kouzi").pk])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page, user, field", [
    (_hazard_page, "inspector", "photos"),
    (_progress_page, "engineer", "photos"),
    (_acceptance_page, "inspector", "photo"),
    (_patrol_check_page, "inspector", "photo"),
    (_drill_page, "inspector", "photos"),
])
def test_photos_are_decoded_before_the_transaction_opens(rivers, cast, client_as, monkeypatch, page, user, field):
    url, data = page(cast, rivers)
    decoded_in_transaction = []
    load = ImageFile.ImageFile.load

    def watched_load(image):
        decoded_in_transaction.append(connection.in_atomic_block)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)
    response = client_as(user).post(url, {**data, field: jpeg(gps=KOUZI)})
    assert response.status_code == 302
    assert decoded_in_transaction and not any(decoded_in_transaction)


# Files written by a transaction that rolls back go with it

def test_a_refusal_after_the_photos_were_written_leaves_no_files(rivers, cast, settings):
    hazard = make_hazard(rivers["chaobai"], 9000)
    with pytest.raises(ValidationError), transaction.atomic():  # as a service that refuses after saving photos
        photo = HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=hazard)
        assert {photo.image.name, photo.thumbnail.name} <= set(media_files(settings))
        raise ValidationError("A rule checked last refuses the change.")
    assert not hazard.photos.exists() and media_files(settings) == []


@pytest.mark.django_db(transaction=True)
def test_photos_of_a_committed_transaction_stay_and_those_of_one_rolled_back_go(rivers, cast, settings):
    hazard = make_hazard(rivers["chaobai"], 9000)
    with transaction.atomic():
        kept = HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=hazard)
    with pytest.raises(ValidationError), transaction.atomic():
        HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=hazard)
        raise ValidationError("A rule checked last refuses the change.")
    assert list(hazard.photos.all()) == [kept]
    assert media_files(settings) == sorted([kept.image.name, kept.thumbnail.name])


# Photos kept across a failed submit expire

def _age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_kept_photos_older_than_their_token_are_removed_when_new_ones_are_kept(rivers, client_as, settings):
    client = client_as("inspector")
    pending = settings.MEDIA_ROOT / "pending"
    report(client, latitude=KOUZI[1], longitude=KOUZI[0], photos=[jpeg()])  # swapped coordinates: refused, kept
    report(client, latitude=KOUZI[1], longitude=KOUZI[0], photos=[jpeg()])
    expired, recent = sorted(pending.iterdir())
    _age(expired, photos.PENDING_MAX_AGE + 60)
    _age(recent, photos.PENDING_MAX_AGE - 600)

    report(client, latitude=KOUZI[1], longitude=KOUZI[0], photos=[jpeg()])
    left = set(pending.iterdir())
    assert expired not in left and recent in left and len(left) == 2


def test_clean_pending_photos_removes_the_expired_ones(rivers, client_as, settings):
    client = client_as("inspector")
    pending = settings.MEDIA_ROOT / "pending"
    for _ in range(3):
        report(client, latitude=KOUZI[1], longitude=KOUZI[0], photos=[jpeg()])
    first, second, third = sorted(pending.iterdir())
    for path in (first, second):
        _age(path, photos.PENDING_MAX_AGE + 60)
    other = pending / "notes.txt"  # not a name we give: left alone
    other.write_text("x")
    _age(other, photos.PENDING_MAX_AGE + 60)

    out = io.StringIO()
    call_command("clean_pending_photos", stdout=out)
    assert set(pending.iterdir()) == {third, other}
    assert "Removed 2 kept photos older than 24 hours." in out.getvalue()


def test_a_kept_photo_is_still_there_for_the_next_try_within_a_day(rivers, client_as, settings):
    client = client_as("inspector")
    response = report(client, latitude=KOUZI[1], longitude=KOUZI[0], photos=[jpeg()])
    token = response.context["form"].data["kept_photos"]
    (kept,) = (settings.MEDIA_ROOT / "pending").iterdir()
    _age(kept, photos.PENDING_MAX_AGE - 600)
    call_command("clean_pending_photos", stdout=io.StringIO())
    response = report(client, latitude=KOUZI[0], longitude=KOUZI[1], kept_photos=token)
    assert response.status_code == 302 and Hazard.objects.get().photos.count() == 1



def test_a_photo_kept_twice_lives_as_long_as_its_newest_token(rivers, client_as, settings):
    client = client_as("inspector")
    pending = settings.MEDIA_ROOT / "pending"
    first = report(client, latitude=KOUZI[1], longitude=KOUZI[0], photos=[jpeg()])
    (kept,) = pending.iterdir()
    _age(kept, photos.PENDING_MAX_AGE - 600)  # the next try comes the next day, and fails again
    again = report(client, latitude=KOUZI[1], longitude=KOUZI[0], kept_photos=first.context["form"].data["kept_photos"])
    assert again.context["form"].kept_count == 1
    _age(kept, photos.PENDING_MAX_AGE + 60)

    call_command("clean_pending_photos", stdout=io.StringIO())
    response = report(client, latitude=KOUZI[0], longitude=KOUZI[1], kept_photos=again.context["form"].data["kept_photos"])
    assert response.status_code == 302 and Hazard.objects.get().photos.count() == 1
