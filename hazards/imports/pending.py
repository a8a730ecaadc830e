"""Uploads kept between the dry run and the import: under IMPORT_DIR (not media: never served), for a day.

A pending upload is named by a random token, signed together with the
admin's id, so that only the admin who uploaded it can import it or read
its report.
"""

import json
import secrets
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core import signing

MAX_AGE_S = 24 * 3600
SALT = "floodwatch.imports.pending"


def _root():
    root = Path(settings.IMPORT_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def keep(upload, user):
    """Store an upload (already size-checked by the form) and return its signed token."""
    forget_old()
    key = secrets.token_hex(16)
    directory = _root() / key
    directory.mkdir()
    name = Path(upload.name).name
    with open(directory / "upload", "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    (directory / "name.txt").write_text(name, encoding="utf-8")
    return signing.dumps({"key": key, "user": user.pk}, salt=SALT)


def _directory(token, user):
    """The pending upload's directory, or None if the token is bad, not this user's, or too old."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_S)
    except signing.BadSignature:
        return None
    key = str(data.get("key", ""))
    if data.get("user") != user.pk or not key.isalnum():
        return None
    directory = _root() / key
    return directory if directory.is_dir() else None


def upload_of(token, user):
    """(path, original name) of a pending upload, or None."""
    directory = _directory(token, user)
    if directory is None:
        return None
    return directory / "upload", (directory / "name.txt").read_text(encoding="utf-8")


def save_report(token, user, report):
    directory = _directory(token, user)
    if directory is not None:
        (directory / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


def report_of(token, user):
    directory = _directory(token, user)
    if directory is None or not (directory / "report.json").exists():
        return None
    return json.loads((directory / "report.json").read_text(encoding="utf-8"))


def forget(token, user):
    directory = _directory(token, user)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def forget_old():
    """Remove pending uploads older than a day."""
    limit = time.time() - MAX_AGE_S
    for directory in _root().iterdir():
        if directory.is_dir() and directory.stat().st_mtime < limit:
            shutil.rmtree(directory, ignore_errors=True)
