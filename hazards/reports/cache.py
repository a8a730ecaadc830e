"""Rendered parts of risk lists, kept by the content they show.

A part's key is the SHA-256 of what WeasyPrint is given: its HTML (every word, number, photo
file and QR address a stop shows, in the user's language; the photo's file name changes with
the photo), the QR codes, the stylesheet, the font and WeasyPrint's version. Any change to a
hazard, its orders, notes, photos, villages at risk, or to the template gives another key; an
unchanged part is read back instead of laid out again. Pages carry no header or footer of their
own (pdf.py stamps those), so a part does not change with the time or the page count.

Files under REPORT_CACHE_DIR, one per part; those unused for REPORT_CACHE_DAYS are removed.
Each machine keeps its own (workers on several machines each warm theirs).
"""

import functools
import hashlib
import os
import time
from pathlib import Path

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders

from . import fonts

SWEEP_EVERY_S = 3600


@functools.cache
def _version():
    """What every part depends on besides its HTML: the stylesheet, the font, WeasyPrint."""
    css = Path(finders.find("css/risk_list.css")).read_bytes()
    return hashlib.sha256(css + fonts.cut_font_path().name.encode() + weasyprint.__version__.encode()).hexdigest()


def key(html, qr_codes):
    digest = hashlib.sha256(_version().encode())
    digest.update(html.encode("utf-8"))
    for name, url in sorted((qr_codes or {}).items()):
        digest.update(f"\0{name}\0{url}".encode())
    return digest.hexdigest()


def _path(key):
    return Path(settings.REPORT_CACHE_DIR) / key[:2] / f"{key}.pdf"


def get(key):
    """The part's PDF bytes, or None."""
    path = _path(key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    os.utime(path)  # used: kept for another REPORT_CACHE_DAYS
    return data


def put(key, data):
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
    _sweep_now_and_then()


def _sweep_now_and_then():
    root = Path(settings.REPORT_CACHE_DIR)
    marker = root / ".swept"
    if marker.exists() and time.time() - marker.stat().st_mtime < SWEEP_EVERY_S:
        return
    marker.touch()
    limit = time.time() - settings.REPORT_CACHE_DAYS * 86400
    for path in root.glob("*/*.pdf"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
