"""A corpus of hostile input, and how to tell that it changed nothing.

Each value is what an attacker, a broken phone app or a copy-paste accident
sends. tests/test_hostile_input.py posts every one to every form and API
endpoint that takes input.
"""

import hashlib
import io
import json

from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# Numbers that are not numbers, or not ones we can store. (Digits of other scripts, such as the
# full-width １２ a Chinese input method types, are numbers: Python and Django read them as such.)
NUMBERS = [
    "NaN", "nan", "Infinity", "-inf", "1e309", "-1e309", "99999999999999999999999", "-99999999999999999999999",
    "²", "½", "0x1f", "1,5", " ",
]

# Latitude and longitude pairs: not finite, out of range, swapped, outside the projection, far away.
COORDINATES = [
    ("NaN", "116.7"), ("39.85", "inf"), ("91", "116.7"), ("39.85", "181"), ("116.64", "39.85"), ("0", "27"),
    ("-90", "-180"), ("39.85", "1e309"), ("1e-320", "0"),
]

# Text a form must refuse: too long, control characters, what invalid UTF-8 decodes to.
TEXT_REFUSED = [
    "x" * 100_000, "line\x00null", "bell\x07", "escape\x1b[31mred", "delete\x7f", "next line\x85", "\ufffd\ufffd",
]

# Text a form may keep, that every page, popup and PDF must show as text, never run.
TEXT_ESCAPED = [
    '<script>window.__pwned = 1</script>',
    '"><img src=x onerror="window.__pwned = 1">',
    "</style></script><svg onload=alert(1)>",
    "{{ 7|add:7 }} {% now 'Y' %} %(x)s",
    "'; DROP TABLE hazards_hazard; --",
]

# Lines drawn on a map (GeoJSON LineStrings), broken in every way.
DRAWN_LINES = [
    json.dumps({"type": "LineString", "coordinates": [[27, 0], [27.001, 0]]}),
    '{"type": "LineString", "coordinates": [[NaN, 39.8], [116.7, 39.8]]}',
    json.dumps({"type": "LineString", "coordinates": [[116.7, 39.8]]}),
    json.dumps({"type": "LineString", "coordinates": [[116.7, 39.8], [116.7, 39.8]]}),
    json.dumps({"type": "Polygon", "coordinates": [[[116.7, 39.8], [116.8, 39.8], [116.7, 39.9], [116.7, 39.8]]]}),
    json.dumps({"type": "LineString", "coordinates": "116.7 39.8"}),
    json.dumps({"type": {"$ne": 1}, "coordinates": {"a": 1}}),
    "[" * 50_000 + "]" * 50_000,
    json.dumps({"type": "LineString", "coordinates": [[116.7 + i * 1e-6, 39.8] for i in range(200_000)]}),
    "null", "[]", "LINESTRING(116.7 39.8, 116.8 39.9)", "SRID=4326;POINT(116.7 39.8)",
]

# Values of the bbox filter: wrong shapes, not numbers, geometry and raster-like strings, dicts.
BBOXES = [
    "1,2,3", "a,b,c,d", "nan,nan,nan,nan", "inf,0,inf,1", "116.7,39.8,116.7,39.8", "0,0,1e309,1", "-200,-100,200,100",
    '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}', "SRID=4326;POINT(0 0)",
    "POLYGON((0 0,1 0,1 1,0 0))", "AQEAAAAAAAAAAADwPwAAAAAAAABA", "{'a': 1}", "116,39,117,40,1",
]

# Identifiers: not numbers, Unicode digits, too large for the database, negative.
IDS = ["²", "99999999999999999999999", "-1", "1.5", "1e3", "0x10", "null", "[1]", "{'a': 1}"]


def jpeg_bytes(size=(64, 48), colour="#3d85c6"):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def png_bytes(size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, "#2b83ba").save(out, "PNG")
    return out.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def bad_uploads():
    """(label, file) pairs that no photo field may accept."""
    good = jpeg_bytes()
    return [
        ("not an image", upload("notes.jpg", b"just some text, not a photo")),
        ("a JPEG with HTML appended", upload("site.jpg", good + b"<html><script>alert(1)</script></html>")),
        ("an SVG", upload("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                          "image/svg+xml")),
        ("a truncated JPEG", upload("cut.jpg", good[: len(good) // 2])),
        ("an empty file", upload("empty.jpg", b"")),
        ("a GIF", upload("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif")),
        ("HTML named .jpg", upload("page.jpg", b"<!DOCTYPE html><html><body>hi</body></html>", "image/jpeg")),
    ]


def good_upload(name="site.jpg"):
    return upload(name, jpeg_bytes())


def _plain(value):
    """A column value as stable text: geometries by their WKT, everything else by repr."""
    return value.wkt if hasattr(value, "wkt") else repr(value)


def database_state():
    """A fingerprint of every row Floodwatch keeps (its own tables and users)."""
    digest = hashlib.sha256()
    models = [m for m in apps.get_app_config("hazards").get_models()] + [User]
    for model in sorted(models, key=lambda m: m._meta.db_table):
        for row in model._base_manager.order_by("pk").values():
            digest.update(model._meta.db_table.encode())
            digest.update("|".join(f"{k}={_plain(v)}" for k, v in sorted(row.items())).encode())
    return digest.hexdigest()


def media_state(root):
    """Every file under the media folder, with its size."""
    if not root.exists():
        return []
    return sorted((str(path.relative_to(root)), path.stat().st_size) for path in root.rglob("*") if path.is_file())
