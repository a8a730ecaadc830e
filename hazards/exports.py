"""Hazards, work orders and patrol coverage out to GIS and spreadsheets.

Hazards come as the risk list's selection (reports.selection.select: the
filters of the map and /api/hazards/, a tour, or picked codes) in driving
order, as GeoJSON, KML (styled by risk colour, for Google Earth), CSV and XLSX
(the risk list's columns, csv_export.header/row, in the UI's language),
GeoPackage and a zipped Shapefile. GIS formats carry our field names
(HAZARD_FIELDS; Shapefiles cut them to ten characters as SHAPEFILE_NAMES
says), and what they carry imports back unchanged (imports/registers.py).

GeoPackages and Shapefiles are written by Debian's `ogr2ogr` from a GeoJSON
file we wrote ourselves, with a fixed argument list and no shell: GeoDjango's
GDAL bindings can read but not create layers.
"""

import csv
import io
import json
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from . import geo
from .models import Hazard
from .reports import csv_export

# Our field names, as in the API; the Shapefile names are cut to ten characters (DBF's limit).
SHAPEFILE_NAMES = {
    "code": "code", "title": "title", "river": "river", "chainage": "chainage", "chainage_m": "chainage_m",
    "offset_m": "offset_m", "bank": "bank", "kind": "kind", "in_main_channel": "main_chan",
    "blockage_pct": "blockage", "risk_level": "risk_level", "risk_override": "risk_manu",
    "risk_override_reason": "risk_reasn", "status": "status", "responsible_unit": "resp_unit",
    "description": "descr", "interim_measure": "interim", "town": "town", "village": "village",
    "updated_at": "updated_at", "url": "url",
}
HAZARD_FIELDS = list(SHAPEFILE_NAMES)
COORDINATE_DECIMALS = 8  # a millimetre
OGR_TIMEOUT_S = 120


def hazard_properties(stop):
    """A hazard's fields as values for GIS formats: codes, not labels; numbers as numbers."""
    h = stop.hazard
    return {
        "code": h.code, "title": h.title, "river": h.river.code, "chainage": h.chainage,
        "chainage_m": round(h.chainage_m, 2), "offset_m": round(h.offset_m, 2), "bank": h.bank, "kind": h.kind,
        "in_main_channel": h.in_main_channel, "blockage_pct": h.blockage_pct, "risk_level": h.risk_level,
        "risk_override": h.risk_override, "risk_override_reason": h.risk_override_reason, "status": h.status,
        "responsible_unit": h.responsible_unit, "description": h.description, "interim_measure": h.interim_measure,
        "town": h.town.name_zh if h.town else "", "village": h.village.name_zh if h.village else "",
        "updated_at": h.updated_at.isoformat(timespec="seconds"), "url": stop.url,
    }


def _point(location):
    return {"type": "Point", "coordinates": [round(location.x, COORDINATE_DECIMALS),
                                             round(location.y, COORDINATE_DECIMALS)]}


def geojson_of(features):
    """A FeatureCollection from (geometry dict, properties) pairs (RFC 7946: WGS 84, no crs member)."""
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": geometry, "properties": properties} for geometry, properties in features
    ]}, ensure_ascii=False)


def hazards_geojson(selection):
    return geojson_of((_point(s.hazard.location), hazard_properties(s)) for s in selection.stops).encode("utf-8")


def hazards_csv(selection):
    return csv_export.csv_text(selection).encode("utf-8")


def hazards_xlsx(selection):
    return xlsx_bytes(_("Risk list"), csv_export.header(), (csv_export.row(stop) for stop in selection.stops))


def hazards_gpkg(selection):
    return ogr_file("GPKG", "hazards", hazards_geojson(selection))


def hazards_shapefile(selection):
    features = [(_point(s.hazard.location), {SHAPEFILE_NAMES[k]: v for k, v in hazard_properties(s).items()})
                for s in selection.stops]
    return ogr_file("ESRI Shapefile", "hazards", geojson_of(features).encode("utf-8"))


# KML colours are aabbggrr.
def _kml_colour(hex_colour):
    r, g, b = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"ff{b}{g}{r}"


def hazards_kml(selection):
    """KML that Google Earth opens: one folder per river, placemarks coloured by risk, all fields as ExtendedData."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n',
           f"<name>{escape(str(selection.title))}</name>\n"]
    for level in Hazard.RiskLevel.values:
        out.append(
            f'<Style id="risk-{level}"><IconStyle><color>{_kml_colour(Hazard.RISK_COLOURS[level])}</color>'
            "<scale>1.1</scale><Icon><href>http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png</href>"
            "</Icon></IconStyle><LabelStyle><scale>0.8</scale></LabelStyle></Style>\n"
        )
    river = None
    for stop in selection.stops:
        h = stop.hazard
        if h.river_id != river:
            out.append(("</Folder>\n" if river else "") + f"<Folder><name>{escape(h.river.name)}</name>\n")
            river = h.river_id
        data = "".join(
            f'<Data name="{name}"><value>{escape(_kml_text(value))}</value></Data>'
            for name, value in hazard_properties(stop).items()
        )
        out.append(
            f"<Placemark><name>{escape(h.code)} {escape(h.title)}</name>"
            f"<description>{escape(h.get_risk_level_display())} · {escape(h.get_kind_display())} · "
            f"{escape(h.chainage)} · {escape(h.get_status_display())}</description>"
            f"<styleUrl>#risk-{h.risk_level}</styleUrl><ExtendedData>{data}</ExtendedData>"
            f"<Point><coordinates>{h.location.x:.{COORDINATE_DECIMALS}f},{h.location.y:.{COORDINATE_DECIMALS}f}"
            "</coordinates></Point></Placemark>\n"
        )
    out.append(("</Folder>\n" if river else "") + "</Document>\n</kml>\n")
    return "".join(out).encode("utf-8")


def _kml_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


HAZARD_FORMATS = {  # extension: (content type, render(selection))
    "geojson": ("application/geo+json", hazards_geojson),
    "kml": ("application/vnd.google-earth.kml+xml", hazards_kml),
    "csv": ("text/csv; charset=utf-8", hazards_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", hazards_xlsx),
    "gpkg": ("application/geopackage+sqlite3", hazards_gpkg),
    "shp.zip": ("application/zip", hazards_shapefile),
}


# Spreadsheets and GIS files ----------------------------------------------------------------------

def xlsx_bytes(title, header, rows):
    """One sheet: a bold header row that stays in view, then the rows (cells guarded against formulas)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for text in header:
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return csv_export.cell(value)


def ogr_file(driver, layer, geojson_bytes):
    """A GeoPackage's bytes, or a zipped Shapefile's, written by ogr2ogr from our own GeoJSON."""
    with tempfile.TemporaryDirectory(prefix="floodwatch-export-") as tmp:
        source, target = Path(tmp) / "in.geojson", Path(tmp) / ("out.gpkg" if driver == "GPKG" else "out")
        source.write_bytes(geojson_bytes)
        arguments = ["ogr2ogr", "-f", driver, str(target), str(source), "-nln", layer, "-a_srs", "EPSG:4326"]
        if driver == "ESRI Shapefile":
            arguments += ["-lco", "ENCODING=UTF-8"]
        subprocess.run(arguments, check=True, capture_output=True, timeout=OGR_TIMEOUT_S,
                       env={"PATH": "/usr/bin:/bin", "GDAL_HTTP_PROXY": "127.0.0.1:9", "PROJ_NETWORK": "OFF"})
        if driver == "GPKG":
            return target.read_bytes()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(target.iterdir()):
                archive.write(part, part.name)
            archive.writestr("FIELDS.txt", shapefile_field_note())
        return out.getvalue()


def shapefile_field_note():
    """The Shapefile's field names beside ours: DBF allows ten characters."""
    lines = [_("Shapefile field names are cut to ten characters. Field in this file: Floodwatch field."), ""]
    lines += [f"{short:<11} {name}" for name, short in SHAPEFILE_NAMES.items()]
    return "\n".join(lines) + "\n"


# Work orders and patrol coverage -----------------------------------------------------------------

def work_order_header():
    return [_("No."), _("Title"), _("Kind"), _("Hazard"), _("River"), _("Place"), _("Responsible unit"),
            _("Contractor"), _("Assigned engineers"), _("Planned start"), _("Deadline"), _("Status"),
            _("Progress (%)"), _("Overdue"), _("Page")]


def work_order_row(order, site_url):
    return [
        order.pk, order.title, order.get_kind_display(), order.hazard.code if order.hazard_id else "",
        order.river.name if order.river_id else "", order.place, order.responsible_unit, order.contractor,
        ", ".join(u.get_full_name() or u.username for u in order.engineers.all()),
        order.planned_start.isoformat() if order.planned_start else "", order.deadline.isoformat(),
        order.get_status_display(), order.progress_pct, order.is_overdue, site_url + order.get_absolute_url(),
    ]


def work_order_features(orders, site_url):
    for order in orders:
        geometry = order.geometry()
        properties = dict(zip(
            ["id", "title", "kind", "hazard", "river", "place", "responsible_unit", "contractor", "engineers",
             "planned_start", "deadline", "status", "progress_pct", "overdue", "url"],
            work_order_row(order, site_url),
        ))
        properties.update(kind=order.kind, status=order.status, river=order.river.code if order.river_id else "")
        yield json.loads(geometry.geojson), properties


def coverage_header():
    return [_("River"), _("Patrolled"), _("From chainage (m)"), _("To chainage (m)"), _("Stretch"),
            _("Length (m)"), _("Days")]


def coverage_rows(coverages):
    """One row per covered or uncovered stretch of each river, upstream to downstream."""
    for coverage in coverages:
        parts = [(a, b, True) for a, b in coverage.covered] + [(a, b, False) for a, b in coverage.uncovered]
        for start, end, covered in sorted(parts):
            yield coverage, [coverage.river.name, covered, round(start, 1), round(end, 1),
                             geo.format_reach(start, end), round(end - start, 1), coverage.days]


def coverage_features(coverages):
    for coverage, row in coverage_rows(coverages):
        line = geo.reach(coverage.river.centerline, row[2], row[3])
        yield json.loads(line.geojson), {
            "river": coverage.river.code, "covered": row[1], "from_m": row[2], "to_m": row[3], "stretch": row[4],
            "length_m": row[5], "days": row[6],
        }


def csv_bytes(header, rows):
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([csv_export.cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")
