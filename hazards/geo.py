"""Geometry in metres: chainage, offsets, distances and the district extent.

Geometries are stored in WGS84 (EPSG:4326). Everything metric is done here,
and only here, in CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548),
with shapely. CRSs are always EPSG codes from this module, never strings from
a user (see the README's security notes).
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import shapely
from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, Point
from shapely.ops import substring

WGS84 = 4326
METRIC_SRID = 4548

DISTRICT_FILE = settings.BASE_DIR / "gis_data" / "tongzhou_boundary.geojson"


@lru_cache(maxsize=4)
def _transform(source, target):
    return CoordTransform(SpatialReference(source), SpatialReference(target))


def to_metric(geom):
    """A GEOS geometry in WGS84 as a shapely geometry in metres (EPSG:4548)."""
    projected = geom.transform(_transform(geom.srid or WGS84, METRIC_SRID), clone=True)
    return shapely.from_wkb(bytes(projected.wkb))


def from_metric(shape):
    """A shapely geometry in metres back to a GEOS geometry in WGS84."""
    geom = GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=METRIC_SRID)
    return geom.transform(_transform(METRIC_SRID, WGS84), clone=True)


@lru_cache(maxsize=64)
def _metric_line(wkb):
    return to_metric(GEOSGeometry(memoryview(wkb), srid=WGS84))


def metric_line(centerline):
    """The centerline in metres, cached: rivers change rarely, points often."""
    return _metric_line(bytes(centerline.wkb))


@dataclass(frozen=True)
class Location:
    chainage_m: float
    offset_m: float
    bank: str  # "left" or "right", looking downstream


def locate(centerline, point):
    """Where a point lies along a centerline drawn from upstream to downstream.

    The chainage is the distance along the line to the nearest point on it;
    the offset is the distance from the line; the bank is the side, looking
    downstream (left bank 左岸, right bank 右岸).
    """
    line = metric_line(centerline)
    p = to_metric(point)
    chainage = line.project(p)
    foot = line.interpolate(chainage)
    ahead = line.interpolate(min(chainage + 1.0, line.length))
    behind = line.interpolate(max(chainage - 1.0, 0.0))
    dx, dy = ahead.x - behind.x, ahead.y - behind.y
    cross = dx * (p.y - foot.y) - dy * (p.x - foot.x)
    return Location(chainage, p.distance(line), "left" if cross > 0 else "right")


def point_at(centerline, chainage_m, offset_m=0.0, bank="left"):
    """The WGS84 point at a chainage, optionally offset to one bank."""
    line = metric_line(centerline)
    chainage_m = min(max(chainage_m, 0.0), line.length)
    foot = line.interpolate(chainage_m)
    if offset_m:
        ahead = line.interpolate(min(chainage_m + 1.0, line.length))
        behind = line.interpolate(max(chainage_m - 1.0, 0.0))
        dx, dy = ahead.x - behind.x, ahead.y - behind.y
        norm = math.hypot(dx, dy)
        sign = 1 if bank == "left" else -1
        # The left normal of (dx, dy) is (-dy, dx).
        foot = shapely.Point(foot.x - sign * dy / norm * offset_m, foot.y + sign * dx / norm * offset_m)
    return from_metric(foot)


def reach(centerline, start_m, end_m):
    """The stretch of a centerline between two chainages, as a WGS84 line."""
    line = metric_line(centerline)
    return from_metric(substring(line, min(start_m, end_m), max(start_m, end_m)))


def length_m(centerline):
    return metric_line(centerline).length


def distance_m(a, b):
    """Distance in metres between two WGS84 geometries."""
    return to_metric(a).distance(to_metric(b))


def format_chainage(metres):
    """Chainage as Chinese river engineers write it: 12,350 m is K12+350."""
    if metres is None:
        return ""
    metres = int(round(metres))
    return f"K{metres // 1000}+{metres % 1000:03d}"


@lru_cache(maxsize=1)
def district_shape():
    """The district outline in metres, buffered: the source is coarse."""
    with open(DISTRICT_FILE, encoding="utf-8") as f:
        feature = json.load(f)["features"][0]
    geom = GEOSGeometry(json.dumps(feature["geometry"]), srid=WGS84)
    return to_metric(geom).buffer(settings.DISTRICT_BUFFER_M)


def in_district(point):
    return district_shape().contains(to_metric(point))


def swapped(point):
    """The point with longitude and latitude exchanged."""
    return Point(point.y, point.x, srid=WGS84)

