"""Photos: validation, thumbnails, and the GPS position a phone writes into EXIF."""

import os
import re
import uuid
from io import BytesIO

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}  # the formats we accept, and how we name them
ALLOWED_FORMATS = set(EXTENSIONS)
THUMBNAIL_SIZE = (480, 480)
GPS_IFD = 0x8825


def open_checked(upload):
    """Open an uploaded photo, refusing anything that is not a reasonable image."""
    if upload.size > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("The photo %(name)s is larger than %(mb)d MB.")
            % {"name": upload.name, "mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)}
        )
    try:
        upload.seek(0)
        image = Image.open(upload)
        image.verify()
        upload.seek(0)
        image = Image.open(upload)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The file %(name)s is not a photo we can read.") % {"name": upload.name})
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(_("The photo %(name)s must be a JPEG, PNG or WebP image.") % {"name": upload.name})
    return image


def _degrees(dms, ref):
    degrees, minutes, seconds = (float(v) for v in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if ref in ("S", "W") else value


def gps_point(image):
    """The WGS84 point in a photo's EXIF GPS tags, or None."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        lat = _degrees(gps[2], gps.get(1, "N"))
        lon = _degrees(gps[4], gps.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return Point(lon, lat, srid=4326)


def thumbnail(image):
    """A small JPEG of the photo, turned the way the camera held it."""
    small = ImageOps.exif_transpose(image.copy())
    small.thumbnail(THUMBNAIL_SIZE)
    if small.mode not in ("RGB", "L"):
        small = small.convert("RGB")
    out = BytesIO()
    small.save(out, "JPEG", quality=80)
    return ContentFile(out.getvalue())


# Photos chosen in a form that failed for another reason are kept for the
# next try under pending/, named in a signed token carried by the form: an
# inspector on a river bank should not have to take them again.
PENDING = "pending/"
PENDING_NAME = re.compile(r"pending/[0-9a-f]{32}\.[a-z]{3,4}")
PENDING_SALT = "floodwatch.pending-photos"
PENDING_MAX_AGE = 24 * 3600


def stash(files):
    """Store files for the next try; returns the token that names them."""
    names = []
    for f in files:
        if PENDING_NAME.fullmatch(getattr(f, "pending_name", "")):
            names.append(f.pending_name)
            continue
        extension = os.path.splitext(f.name)[1].lower()
        if extension not in EXTENSIONS.values():
            extension = ".jpg"
        f.seek(0)
        names.append(default_storage.save(f"{PENDING}{uuid.uuid4().hex}{extension}", f))
    return signing.dumps(names, salt=PENDING_SALT) if names else ""


def unstash(token):
    """The files a token names, if it is ours, recent, and they are still there."""
    if not token:
        return []
    try:
        names = signing.loads(token, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return []
    files = []
    for name in names:
        if PENDING_NAME.fullmatch(name) and default_storage.exists(name):
            f = File(default_storage.open(name), name=os.path.basename(name))
            f.pending_name = name
            files.append(f)
    return files


def discard(files):
    """Remove stashed files once they have been saved for good."""
    for f in files:
        if PENDING_NAME.fullmatch(getattr(f, "pending_name", "")):
            f.close()
            default_storage.delete(f.pending_name)
