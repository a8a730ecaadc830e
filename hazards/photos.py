"""Photos: checks, thumbnails and the camera's GPS position, done before anything is saved.

A photo is prepared (`prepare`) while its form is validated, before any
transaction opens: decoding a large picture then never holds the database's
write lock (SpatiaLite has one lock for every writer). Saving it later
(`Photo.from_upload`) only writes two files and a row.
"""

import contextlib
import datetime
import os
import re
import struct
import uuid
import weakref
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}  # the formats we store, and how we name them
# Cameras that write an MPF block (Sony, Panasonic) make JPEGs with more pictures
# appended, which Pillow calls MPO; every viewer shows the first one, so they are JPEGs to us.
FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
THUMBNAIL_SIZE = (480, 480)
GPS_IFD = 0x8825
ORIENTATION = 0x0112
# How to turn the picture upright for each EXIF orientation (as ImageOps.exif_transpose does).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# What Pillow raises on a file that is not a sound image, while opening or decoding it.
UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


@dataclass
class PreparedPhoto:
    """A photo that passed its checks, with its thumbnail made and its camera position read."""

    file: File  # the bytes as uploaded, stored unchanged
    format: str  # one of EXTENSIONS
    thumbnail: bytes  # a small JPEG, turned upright
    gps: Point | None
    pending_name: str = ""  # where it is kept across a failed submit, if it is

    @property
    def extension(self):
        return EXTENSIONS[self.format]


def prepare(upload):
    """Check an uploaded photo and do now all that is costly about it; a ValidationError says what is wrong."""
    if upload.size > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("The photo %(name)s is larger than %(mb)d MB.")
            % {"name": upload.name, "mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)}
        )
    try:
        image = _open_checked(upload)
        gps, orientation = _camera_metadata(image)
        thumbnail = _thumbnail(image, orientation)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(_too_many_pixels(upload))
    except UNREADABLE:
        raise ValidationError(_("The file %(name)s is not a photo we can read.") % {"name": upload.name})
    finally:
        upload.seek(0)
    return PreparedPhoto(upload, FORMATS[image.format], thumbnail, gps)


def _open_checked(upload):
    upload.seek(0)
    Image.open(upload).verify()
    upload.seek(0)
    image = Image.open(upload)  # reads the header only: the size is known before anything is decoded
    if image.format not in FORMATS:
        raise ValidationError(_("The photo %(name)s must be a JPEG, PNG or WebP image.") % {"name": upload.name})
    width, height = image.size
    if width * height > max_pixels():
        raise ValidationError(_too_many_pixels(upload))
    return image


def max_pixels():
    """The most pixels a photo may have: our setting, and never more than Pillow's own limit.

    Past its limit (89 megapixels) Pillow only warns that the image could be a
    decompression bomb, and decodes it anyway; here that warning is a refusal.
    (Turning the warning into an exception would change the process's warning
    filters, which are not thread-safe to change per request.)
    """
    return min(settings.MAX_PHOTO_PIXELS, Image.MAX_IMAGE_PIXELS or settings.MAX_PHOTO_PIXELS)


def _too_many_pixels(upload):
    return _("The photo %(name)s has too many pixels: photos of up to %(mp)s megapixels are accepted.") % {
        "name": upload.name, "mp": f"{max_pixels() / 1_000_000:.3g}"}


def _camera_metadata(image):
    """The GPS point and the orientation the camera wrote, or (None, None) when its EXIF is malformed.

    A photo whose picture is sound but whose EXIF is broken (a faulty app, a few
    flipped bytes) is still the evidence from the site, and the inspector on the
    river bank would rather keep it than take it again: only the EXIF is ignored.
    A position read from a broken block could not be trusted anyway.
    """
    try:
        exif = image.getexif()
        orientation = exif.get(ORIENTATION)
        return _gps_point(exif.get_ifd(GPS_IFD)), orientation if isinstance(orientation, int) else None
    except Exception:  # Pillow's EXIF parser fails in many ways (SyntaxError, TypeError, struct.error, ...)
        return None, None


def _degrees(dms, ref):
    degrees, minutes, seconds = (float(v) for v in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if ref in ("S", "W") else value


def _gps_point(gps):
    """The WGS84 point in a photo's EXIF GPS tags, or None."""
    try:
        lat = _degrees(gps[2], gps.get(1, "N"))
        lon = _degrees(gps[4], gps.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return Point(lon, lat, srid=4326)


def _thumbnail(image, orientation):
    """A small JPEG of the photo, turned the way the camera was held.

    Image.thumbnail decodes a JPEG at a fraction of its size (draft) and reduces
    other images by whole factors before resampling: the full picture is never resampled.
    """
    image.thumbnail(THUMBNAIL_SIZE)
    small = image.transpose(UPRIGHT[orientation]) if orientation in UPRIGHT else image
    if small.mode not in ("RGB", "L"):
        small = small.convert("RGB")
    out = BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def delete_on_rollback(storage, *names):
    """Delete these files if the transaction that writes their row rolls back.

    Django has hooks for a commit only. A callback given to on_commit is dropped
    unrun when its transaction, or the savepoint it was given in, rolls back;
    the finalizer deletes the files when that happens. On commit the callback
    runs and the files stay.
    """
    def committed():
        finalizer.detach()

    finalizer = weakref.finalize(committed, _delete, storage, names)
    transaction.on_commit(committed)


def _delete(storage, names):
    for name in names:
        storage.delete(name)


# Photos chosen in a form that failed for another reason are kept for the
# next try under pending/, named in a signed token carried by the form: an
# inspector on a river bank should not have to take them again. A kept file
# lives as long as the token that names it; then nothing can bring it back.
PENDING = "pending/"
PENDING_NAME = re.compile(r"pending/[0-9a-f]{32}\.[a-z]{3,4}")
PENDING_SALT = "floodwatch.pending-photos"
PENDING_MAX_AGE = 24 * 3600


def stash(prepared):
    """Keep prepared photos for the next try; returns the token that names them."""
    if not prepared:
        return ""
    names = []
    for photo in prepared:
        # Kept again, a photo is copied: each file is as young as the newest token naming it.
        photo.file.seek(0)
        names.append(default_storage.save(f"{PENDING}{uuid.uuid4().hex}{photo.extension}", photo.file))
    expire_pending()
    return signing.dumps(names, salt=PENDING_SALT)


def unstash(token):
    """The photos a token names, if it is ours, recent, and they are still there, prepared again."""
    if not token:
        return []
    try:
        names = signing.loads(token, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return []
    kept = []
    for name in names:
        if PENDING_NAME.fullmatch(name) and default_storage.exists(name):
            photo = prepare(File(default_storage.open(name), name=os.path.basename(name)))
            photo.pending_name = name
            kept.append(photo)
    return kept


def discard(prepared):
    """Remove kept photos once they have been saved for good."""
    for photo in prepared:
        if photo.pending_name:
            photo.file.close()
            default_storage.delete(photo.pending_name)


def expire_pending():
    """Remove kept photos older than their tokens can be; returns how many were removed."""
    try:
        names = default_storage.listdir(PENDING)[1]
    except FileNotFoundError:
        return 0
    oldest = timezone.now() - datetime.timedelta(seconds=PENDING_MAX_AGE)
    removed = 0
    for name in (PENDING + n for n in names):
        # Another process may remove the same file at the same time.
        with contextlib.suppress(FileNotFoundError):
            if PENDING_NAME.fullmatch(name) and default_storage.get_modified_time(name) < oldest:
                default_storage.delete(name)
                removed += 1
    return removed
