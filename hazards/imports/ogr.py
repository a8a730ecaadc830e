"""GIS files through GDAL (GeoDjango's DataSource): GeoJSON, KML and KMZ, zipped Shapefiles, GeoPackages.

Before GDAL opens a file, what could make it reach outside the upload's
directory is checked here: GeoJSON is parsed with the standard library (its
`crs` member must name an EPSG code we know; GDAL 3.6 would otherwise open
any file or URL named there), KML goes through the one bounded XML check and
may not link to other files, a GeoPackage's coordinate systems must be EPSG
codes. Text in Shapefiles is decoded here, from the encoding the .cpg names
(GBK is common), or UTF-8 and then GB18030 when there is no .cpg.
"""

import json
import re
import sqlite3

from defusedxml import ElementTree
from django.contrib.gis.gdal import DataSource, GDALException, OGRGeometry
from django.contrib.gis.gdal.libgdal import lgdal
from django.contrib.gis.geos import GEOSException, LineString, Point, Polygon
from django.utils.translation import gettext as _

from .. import geo
from . import xml
from .files import FileRefused
from .table import Row, Table, check_row_count

# The Shapefile driver hands us the DBF's bytes undecoded; we decode them (see read_shapefile).
lgdal.CPLSetConfigOption(b"SHAPE_ENCODING", b"")

CPG_ENCODINGS = {
    "utf-8": "utf-8", "utf8": "utf-8", "65001": "utf-8", "gbk": "gb18030", "cp936": "gb18030", "936": "gb18030",
    "gb2312": "gb18030", "gb18030": "gb18030", "ansi 936": "gb18030", "big5": "big5", "950": "big5",
    "iso-8859-1": "latin-1", "latin1": "latin-1", "1252": "cp1252", "cp1252": "cp1252", "ascii": "ascii",
}
EPSG_NAME = re.compile(r"^(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:)(\d+)$", re.IGNORECASE)
CRS84 = {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84"}
NETWORK_LINK = re.compile(rb"<(\w+:)?NetworkLink[\s>]")


def _crs_refused(name, what):
    return FileRefused(
        _("%(name)s uses a coordinate system Floodwatch does not know (%(crs)s). Save it in CGCS2000 (EPSG:4490), "
          "WGS 84 or a Gauss-Kruger zone, or name its EPSG code when importing.") % {"name": name, "crs": what[:80]})


def read_geojson(upload):
    try:
        data = json.loads(upload.path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FileRefused(_("%(name)s is not GeoJSON we can read (%(detail)s).")
                          % {"name": upload.name, "detail": str(error)[:100]})
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
        raise FileRefused(_("%(name)s is not a GeoJSON FeatureCollection.") % {"name": upload.name})
    srid = _geojson_crs(data.get("crs"), upload.name)
    features = data.get("features") if data["type"] == "FeatureCollection" else [data]
    if not isinstance(features, list):
        raise FileRefused(_("%(name)s is not a GeoJSON FeatureCollection.") % {"name": upload.name})
    check_row_count(len(features), upload.name)
    headers, rows = {}, []
    for number, item in enumerate(features, start=1):
        item = item if isinstance(item, dict) else {}
        properties = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        headers.update(dict.fromkeys(properties))
        row = Row(number=number, values=properties)
        geometry = item.get("geometry")
        if geometry:
            try:
                row.geometry = OGRGeometry(json.dumps(geometry)).geos
            except (GDALException, GEOSException, ValueError, TypeError) as error:
                row.problems.append(("geometry", _("The geometry cannot be read: %(detail)s") % {"detail": error}))
        rows.append(row)
    return Table(headers=list(headers), rows=rows, srid=srid, has_geometry=True)


def _geojson_crs(crs, name):
    """The EPSG code a GeoJSON `crs` member names; None if there is none (RFC 7946: WGS 84)."""
    if crs is None:
        return None
    try:
        text = str(crs["properties"]["name"]).strip() if crs.get("type") == "name" else ""
    except (KeyError, TypeError, AttributeError):
        text = ""
    if text.lower() in CRS84:
        return geo.WGS84
    match = EPSG_NAME.match(text)
    if match and int(match.group(1)) in geo.FILE_CRS:
        return int(match.group(1))
    raise _crs_refused(name, text or json.dumps(crs, ensure_ascii=False))


def read_kml(upload):
    """KML (or the KML inside a KMZ) as Google Earth writes it: placemarks in folders, their name and
    description, ExtendedData as columns. Always WGS 84.

    Read here rather than by GDAL: GDAL's LIBKML driver turns Chinese ExtendedData names into underscores
    (类型 and 河道 both become "______"), and its KML driver skips ExtendedData.
    """
    data = upload.path.read_bytes()
    xml.walk(data, name=upload.name, kind="KML")
    if NETWORK_LINK.search(data):
        raise FileRefused(_("%(name)s links to other files on the network (NetworkLink). Save the linked places "
                            "into this file in Google Earth, then import it.") % {"name": upload.name})
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise FileRefused(_("%(name)s is not KML we can read (%(detail)s).") % {"name": upload.name, "detail": error})
    placemarks = [element for element in root.iter() if _local(element.tag) == "Placemark"]
    check_row_count(len(placemarks), upload.name)
    headers, rows = {"name": None, "description": None}, []
    for number, placemark in enumerate(placemarks, start=1):
        row = Row(number=number, values={"name": _child_text(placemark, "name"),
                                          "description": _child_text(placemark, "description")})
        for data_element in placemark.iter():
            if _local(data_element.tag) in ("Data", "SimpleData") and data_element.get("name"):
                value = data_element.text if _local(data_element.tag) == "SimpleData" else _child_text(data_element,
                                                                                                     "value")
                row.values[data_element.get("name")] = (value or "").strip()
        headers.update(dict.fromkeys(row.values))
        row.geometry = _kml_geometry(placemark, row)
        rows.append(row)
    return Table(headers=list(headers), rows=rows, srid=geo.WGS84, has_geometry=True)


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element, name):
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _kml_geometry(placemark, row):
    """The placemark's first Point, LineString or Polygon (outer ring) as a GEOS geometry."""
    for element in placemark.iter():
        kind = _local(element.tag)
        if kind not in ("Point", "LineString", "LinearRing"):
            continue
        text = next((c.text or "" for c in element.iter() if _local(c.tag) == "coordinates"), "")
        try:
            points = [tuple(float(v) for v in item.split(",")[:2]) for item in text.split()]
            if not points or any(len(p) != 2 for p in points):
                raise ValueError(text[:60])
            if kind == "Point":
                return Point(*points[0], srid=geo.WGS84)
            if kind == "LineString":
                return LineString(points, srid=geo.WGS84)
            return Polygon(points, srid=geo.WGS84)
        except (ValueError, TypeError, GEOSException) as error:
            row.problems.append(("geometry", _("The geometry cannot be read: %(detail)s") % {"detail": error}))
            return None
    return None


def read_shapefile(upload):
    cpg = upload.path.with_suffix(".cpg")
    declared = cpg.read_text("ascii", errors="replace").strip().lower() if cpg.exists() else None
    if declared is not None and declared not in CPG_ENCODINGS:
        raise FileRefused(_("%(name)s declares a text encoding Floodwatch does not read (%(encoding)s). Save it "
                            "as UTF-8 or GBK.") % {"name": upload.name, "encoding": declared[:40]})
    encodings = [CPG_ENCODINGS[declared]] if declared else ["utf-8", "gb18030"]
    # GDAL hands the DBF's bytes over undecoded; Latin-1 turns them into text one byte a character, losslessly.
    source = DataSource(str(upload.path), encoding="latin-1")
    return _read_layers(upload, source, _decoder(encodings))


def _decoder(encodings):
    """Decode text a Latin-1 DataSource gave us with the file's real encoding; None marks bad encoding."""

    def decode(value):
        if not isinstance(value, str):
            return value
        raw = value.encode("latin-1")
        for encoding in encodings:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        return BadText(raw)

    return decode


class BadText(bytes):
    """Bytes that decode in none of the file's encodings."""


def read_gpkg(upload):
    _check_gpkg(upload)
    try:
        source = DataSource(str(upload.path), encoding="utf-8")
    except GDALException as error:
        raise FileRefused(_("%(name)s is not a GeoPackage we can read (%(detail)s).")
                          % {"name": upload.name, "detail": error})
    return _read_layers(upload, source, lambda value: value, points_only=True)


def _check_gpkg(upload):
    """A GeoPackage's feature tables must use EPSG coordinate systems (or none): GDAL reads the others' text."""
    try:
        with sqlite3.connect(f"file:{upload.path}?mode=ro&immutable=1", uri=True) as db:
            rows = db.execute(
                "SELECT s.srs_id, s.organization, s.organization_coordsys_id, s.srs_name FROM gpkg_geometry_columns g "
                "JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id"
            ).fetchall()
    except sqlite3.DatabaseError as error:
        raise FileRefused(_("%(name)s is not a GeoPackage we can read (%(detail)s).")
                          % {"name": upload.name, "detail": error})
    for srs_id, organization, code, srs_name in rows:
        if srs_id in (-1, 0):
            continue
        if str(organization).upper() != "EPSG" or code not in geo.FILE_CRS:
            raise _crs_refused(upload.name, f"{srs_name} ({organization}:{code})")


def _read_layers(upload, source, decode, points_only=False):
    """Every feature of every layer (or of the point layers), numbered from 1 across the file."""
    headers, rows, srids, warnings = {}, [], set(), []
    layers = list(source)
    if points_only:
        points = [layer for layer in layers if "Point" in layer.geom_type.name]
        skipped = [layer.name for layer in layers if layer not in points]
        if skipped and points:
            warnings.append(_("Only the point layers were read; these were left out: %(layers)s.")
                            % {"layers": ", ".join(skipped)})
        layers = points or layers
    for layer in layers:
        check_row_count(len(rows) + len(layer), upload.name)
        srs = layer.srs
        if srs is not None:
            srid = geo.identify_crs(srs)
            if srid is None:
                raise _crs_refused(upload.name, srs.name or "?")
            srids.add(srid)
        names = [str(decode(name)) for name in layer.fields]
        headers.update(dict.fromkeys(names))
        for feature in layer:
            row = Row(number=len(rows) + 1, values={})
            for index, name in enumerate(names):
                value = decode(feature[index].value)
                if isinstance(value, BadText):
                    row.problems.append((name, _("This text is not valid in the file's encoding (bad encoding).")))
                    value = value.decode("utf-8", errors="replace")
                row.values[name] = value
            row.geometry = _geometry(feature, row)
            rows.append(row)
    if len(srids) > 1:
        raise FileRefused(_("%(name)s mixes coordinate systems in its layers; save them in one.") % {"name": upload.name})
    table = Table(headers=list(headers), rows=rows, srid=srids.pop() if srids else None, has_geometry=True,
                  warnings=warnings)
    return table


def _geometry(feature, row):
    try:
        geometry = feature.geom
    except (GDALException, GEOSException) as error:
        row.problems.append(("geometry", _("The geometry cannot be read: %(detail)s") % {"detail": error}))
        return None
    if geometry is None or geometry.geom_count == 0 and geometry.geom_type.name != "Point":
        return None
    try:
        return geometry.geos
    except (GDALException, GEOSException) as error:
        row.problems.append(("geometry", _("The geometry cannot be read: %(detail)s") % {"detail": error}))
        return None
