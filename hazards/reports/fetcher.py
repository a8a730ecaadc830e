"""What WeasyPrint may read while it renders a PDF: our own static and media files, the cut
font, and the images made for this one report (its QR codes), which are kept in memory.

Everything else is refused, so that no text in a report can make the server
read a local file (file://), call another server (http, https, ftp, data),
or follow a redirect: this fetcher never opens a network connection at all.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import fonts

FONT_URL = "/report-fonts/"
GENERATED_URL = "/report-images/"


class RefusedURL(ValueError):
    """A URL outside our own static and media files."""


def _inside(root, relative):
    """The file at `relative` under `root`, or None if it would lie outside it."""
    root = Path(root).resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _static(relative):
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found and Path(found).is_file() else None


def site_path(url):
    """The decoded path of a URL on our own site (settings.SITE_URL); RefusedURL for any other URL."""
    site, parts = urlsplit(settings.SITE_URL), urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc) or parts.query or parts.username:
        raise RefusedURL(f"Reports read only our own static and media files, not {url[:200]}")
    path = unquote(parts.path)
    if "\x00" in path or "/../" in path or path.endswith("/.."):
        raise RefusedURL(f"Refused path {url[:200]}")
    return path


def local_path(url):
    """The file a report URL names: under STATIC_URL, MEDIA_URL or the report fonts, and existing."""
    path = site_path(url)
    roots = [
        (settings.STATIC_URL, _static),
        (settings.MEDIA_URL, lambda relative: _inside(settings.MEDIA_ROOT, relative)),
        (FONT_URL, lambda relative: _inside(fonts.cut_font_path().parent, relative)),
    ]
    found = next((find(path[len(prefix):]) for prefix, find in roots if path.startswith(prefix)), None)
    if found is None:
        raise RefusedURL(f"No such static or media file: {url[:200]}")
    return found


class LocalFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads our own files from disk and refuses everything else.

    `generated` maps names under GENERATED_URL to (bytes, MIME type): images
    made in memory for this report.
    """

    def __init__(self, generated=None):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.generated = generated or {}

    def fetch(self, url, headers=None):
        path = site_path(url)
        name = path[len(GENERATED_URL):] if path.startswith(GENERATED_URL) else None
        if name in self.generated:
            data, mime_type = self.generated[name]
        else:
            path = local_path(url)
            data, mime_type = path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": mime_type})
