"""Uploaded files, bounded and checked before any reader (GDAL, openpyxl) sees them.

An upload is copied into a fresh temporary directory; archives (zipped
Shapefiles, KMZ) are unpacked there member by member after every member was
checked: how many, how large once unpacked, names that stay inside the
directory, no archives inside archives. GDAL only ever opens files in that
directory, and is told never to fetch anything from the network.
"""

import contextlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.gis.gdal.libgdal import lgdal
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ARCHIVE_SUFFIXES = {".zip", ".kmz", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".xlsx", ".gpkg"}
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj", ".sbn", ".sbx", ".xml", ".qmd", ".fix"}
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"

# Formats by what a person calls them; the extension decides, the content must agree.
FORMATS = {
    ".xlsx": "xlsx", ".csv": "csv", ".txt": "csv", ".geojson": "geojson", ".json": "geojson",
    ".kml": "kml", ".kmz": "kmz", ".zip": "shapefile", ".gpkg": "gpkg",
}
FORMAT_LABELS = {
    "xlsx": "Excel (XLSX)", "csv": "CSV", "geojson": "GeoJSON", "kml": "KML", "kmz": "KMZ",
    "shapefile": "Shapefile (ZIP)", "gpkg": "GeoPackage",
}


def _no_network():
    """No GDAL driver may fetch a URL (a KML style, a GeoJSON CRS link, a network link): any attempt fails at once."""
    for key, value in {
        "GDAL_HTTP_PROXY": "127.0.0.1:9", "GDAL_HTTP_TIMEOUT": "1", "GDAL_HTTP_MAX_RETRY": "0",
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".floodwatch-none", "LIBKML_RESOLVE_STYLE": "NO",
        "LIBKML_EXTERNAL_STYLE": "NO", "PROJ_NETWORK": "OFF", "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    }.items():
        lgdal.CPLSetConfigOption(key.encode(), value.encode())


_no_network()


class FileRefused(ValidationError):
    """The file as a whole cannot be read; nothing was written."""


@dataclass
class UploadedFile:
    """A checked upload in its own temporary directory: `path` is what a reader opens."""

    name: str  # as the user named it, for messages and the history
    format: str  # one of FORMATS' values
    path: Path
    directory: Path

    @property
    def label(self):
        return FORMAT_LABELS[self.format]


def format_of(name):
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise FileRefused(
            _("%(name)s is not a format Floodwatch reads. Use XLSX, CSV, GeoJSON, KML, KMZ, a zipped Shapefile "
              "or a GeoPackage.") % {"name": name}
        )
    return FORMATS[suffix]


@contextlib.contextmanager
def opened(source, name=None):
    """Check an upload (a Django UploadedFile or a path) and yield it as an UploadedFile in a temporary directory.

    The directory and everything in it are removed afterwards, whatever happens.
    """
    name = Path(name or getattr(source, "name", None) or str(source)).name
    kind = format_of(name)
    directory = Path(tempfile.mkdtemp(prefix="floodwatch-import-"))
    try:
        path = directory / ("upload" + Path(name).suffix.lower())
        _copy_bounded(source, path, name)
        yield UploadedFile(name=name, format=kind, path=_unpacked(path, kind, name, directory), directory=directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _copy_bounded(source, target, name):
    limit = settings.MAX_IMPORT_BYTES
    size = source.size if hasattr(source, "size") else os.path.getsize(source)
    if size > limit:
        raise FileRefused(_too_large(name, limit))
    with contextlib.ExitStack() as stack:
        if hasattr(source, "chunks"):
            source.seek(0)
            chunks = source.chunks()
        else:
            handle = stack.enter_context(open(source, "rb"))
            chunks = iter(lambda: handle.read(1 << 20), b"")
        written = 0
        with open(target, "wb") as out:
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise FileRefused(_too_large(name, limit))
                out.write(chunk)
    if written == 0:
        raise FileRefused(_("%(name)s is empty.") % {"name": name})


def _too_large(name, limit):
    return _("%(name)s is larger than %(limit)s, the most an import accepts. Split it into several files.") % {
        "name": name, "limit": filesizeformat(limit)}


def _unpacked(path, kind, name, directory):
    """The file a reader opens: the upload itself, or the checked member of an archive unpacked beside it."""
    head = path.read_bytes()[:16]
    if kind in ("xlsx", "kmz", "shapefile"):
        if not head.startswith(ZIP_MAGIC):
            raise FileRefused(_("%(name)s is not a ZIP archive, as a %(format)s file must be; it may be damaged.")
                              % {"name": name, "format": FORMAT_LABELS[kind]})
        members = _checked_members(path, name, nested_allowed=kind == "xlsx")
        if kind == "xlsx":
            return path
        return _extract(path, members, kind, name, directory / "unpacked")
    if kind == "gpkg" and not head.startswith(SQLITE_MAGIC):
        raise FileRefused(_("%(name)s is not a GeoPackage (an SQLite database); it may be damaged.") % {"name": name})
    if kind in ("csv", "geojson", "kml") and (head.startswith(ZIP_MAGIC) or head.startswith(SQLITE_MAGIC)):
        raise FileRefused(_("%(name)s is not a text file, as a %(format)s file must be.")
                          % {"name": name, "format": FORMAT_LABELS[kind]})
    return path


def _checked_members(path, name, nested_allowed=False):
    """The archive's members, after checking their number, unpacked size and names."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            bad = archive.testzip() if len(members) <= settings.MAX_ZIP_MEMBERS else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as error:
        raise FileRefused(_("%(name)s is a damaged archive (%(detail)s).") % {"name": name, "detail": str(error)[:80]})
    if len(members) > settings.MAX_ZIP_MEMBERS:
        raise FileRefused(_("%(name)s holds %(count)s files; an import accepts at most %(max)s.")
                          % {"name": name, "count": len(members), "max": settings.MAX_ZIP_MEMBERS})
    if bad:
        raise FileRefused(_("%(name)s is a damaged archive: %(member)s does not unpack.") % {"name": name, "member": bad})
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.MAX_IMPORT_UNPACKED_BYTES:
        raise FileRefused(_("%(name)s would unpack to %(size)s, more than the %(limit)s an import accepts.") % {
            "name": name, "size": filesizeformat(unpacked), "limit": filesizeformat(settings.MAX_IMPORT_UNPACKED_BYTES)})
    for member in members:
        member_path = PurePosixPath(member.filename.replace("\\", "/"))
        if member_path.is_absolute() or ".." in member_path.parts or member.filename.startswith(("/", "\\")):
            raise FileRefused(_("%(name)s names a file outside the archive (%(member)s); it is refused for safety.")
                              % {"name": name, "member": member.filename})
        if member.flag_bits & 0x1:
            raise FileRefused(_("%(name)s is encrypted.") % {"name": name})
        if not nested_allowed and member_path.suffix.lower() in ARCHIVE_SUFFIXES:
            raise FileRefused(_("%(name)s holds another archive (%(member)s); unpack it and upload what is inside.")
                              % {"name": name, "member": member.filename})
    return [member for member in members if not member.is_dir()]


def _extract(path, members, kind, name, target):
    """Unpack only what the reader needs (the Shapefile's parts, the KMZ's KML) under flat, safe names."""
    target.mkdir()
    if kind == "kmz":
        wanted = [m for m in members if m.filename.lower().endswith(".kml")]
        if not wanted:
            raise FileRefused(_("%(name)s holds no KML file.") % {"name": name})
        # Google Earth puts the places in doc.kml; other KML files in a KMZ are overlays it links to.
        wanted = sorted(wanted, key=lambda m: (PurePosixPath(m.filename).name.lower() != "doc.kml", m.filename))[:1]
        names = {wanted[0].filename: "doc.kml"}
    else:
        shps = [m for m in members if m.filename.lower().endswith(".shp")]
        if len(shps) != 1:
            raise FileRefused(
                _("%(name)s must hold exactly one Shapefile (.shp with its .dbf, .shx and .prj); it holds %(count)s.")
                % {"name": name, "count": len(shps)})
        stem = shps[0].filename[:-4]
        names = {
            m.filename: "layer" + m.filename[len(stem):].lower()
            for m in members
            if m.filename[: len(stem)] == stem and m.filename[len(stem):].lower() in SHAPEFILE_PARTS
        }
        if not {"layer.dbf", "layer.shx"} <= set(names.values()):
            raise FileRefused(_("%(name)s lacks the .dbf or .shx part of its Shapefile.") % {"name": name})
    with zipfile.ZipFile(path) as archive:
        for member, safe_name in names.items():
            with archive.open(member) as src, open(target / safe_name, "wb") as out:
                shutil.copyfileobj(src, out)
    return target / ("doc.kml" if kind == "kmz" else "layer.shp")
