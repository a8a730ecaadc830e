"""Photos: validation, thumbnails, and the GPS position a phone writes into EXIF."""

from io import BytesIO

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
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
