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

import numpy
import shapely
from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
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
    chainages, offsets, banks = locate_xy(centerline, metric_xy([(point.x, point.y)], point.srid or WGS84))
    return Location(float(chainages[0]), float(offsets[0]), str(banks[0]))


def locate_xy(centerline, xy):
    """locate() for many points at once: chainages, offsets and banks of (n, 2) metric coordinates, as arrays."""
    line = metric_line(centerline)
    points = shapely.points(xy)
    chainages = shapely.line_locate_point(line, points)
    feet = shapely.get_coordinates(shapely.line_interpolate_point(line, chainages))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(line, numpy.minimum(chainages + 1.0, line.length)))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(line, numpy.maximum(chainages - 1.0, 0.0)))
    dx, dy = (ahead - behind).T
    cross = dx * (xy[:, 1] - feet[:, 1]) - dy * (xy[:, 0] - feet[:, 0])
    return chainages, shapely.distance(points, line), numpy.where(cross > 0, "left", "right")


def offsets_xy(centerline, xy):
    """Distances in metres of (n, 2) metric coordinates from a centerline, as an array."""
    return shapely.distance(shapely.points(xy), metric_line(centerline))


def transform_xy(xy, source, target):
    """(n, 2) coordinates from one EPSG code to another, in one GDAL call (x, y: longitude first)."""
    xy = numpy.asarray(xy, dtype=float).reshape(-1, 2)
    if source == target or not len(xy):
        return xy.copy()
    multipoint = OGRGeometry(memoryview(shapely.to_wkb(shapely.multipoints(xy))), srs=source)
    multipoint.transform(_transform(source, target))
    return shapely.get_coordinates(shapely.from_wkb(bytes(multipoint.wkb)))


def metric_xy(xy, source=WGS84):
    """(n, 2) coordinates (longitude, latitude in WGS84 by default) in metres, EPSG:4548."""
    return transform_xy(xy, source, METRIC_SRID)


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


def format_reach(start_m, end_m):
    """A stretch of river as engineers write it: K1+200–K3+400."""
    return f"{format_chainage(start_m)}–{format_chainage(end_m)}"


@lru_cache(maxsize=1)
def district_outline():
    """The district outline in metres, as published."""
    with open(DISTRICT_FILE, encoding="utf-8") as f:
        feature = json.load(f)["features"][0]
    return to_metric(GEOSGeometry(json.dumps(feature["geometry"]), srid=WGS84))


@lru_cache(maxsize=1)
def district_shape():
    """The district outline in metres, buffered: the source is coarse."""
    return district_outline().buffer(settings.DISTRICT_BUFFER_M)


def in_district(point):
    return bool(in_district_xy(metric_xy([(point.x, point.y)], point.srid or WGS84))[0])


def in_district_xy(xy):
    """Which of (n, 2) metric coordinates lie in the (buffered) district, as a boolean array."""
    return shapely.contains_xy(district_shape(), xy[:, 0], xy[:, 1])


def swapped(point):
    """The point with longitude and latitude exchanged."""
    return Point(point.y, point.x, srid=WGS84)



# Patrol tracks against centerlines (issue 5: patrols and coverage).

TRACK_STEP_M = 20.0
# A pair of samples covers the chainages between their feet on the centerline
# only if those feet are at most this many times further apart than the
# samples themselves, plus twice their offset (walking round the inside of a
# sharp bend of the line makes the foot jump ahead by up to that): a track
# cutting across a meander neck does not cover the loop it cuts off.
MAX_CHAINAGE_STRETCH = 3.0


def _samples(centerline, track, step_m=TRACK_STEP_M):
    """Per part of the track: sample points every step_m, their chainages and offsets."""
    line = metric_line(centerline)
    shape = to_metric(track)
    for part in getattr(shape, "geoms", [shape]):
        coords = shapely.get_coordinates(shapely.segmentize(part, step_m))
        if len(coords) < 2:
            continue
        points = shapely.points(coords)
        yield points, shapely.line_locate_point(line, points), shapely.distance(line, points)


def _sample_pairs(centerline, track):
    """(from chainage, to chainage, spacing, the larger offset) for each pair of consecutive samples."""
    for points, chainages, offsets in _samples(centerline, track):
        spacing = shapely.distance(points[:-1], points[1:])
        for a, b, step, offset_a, offset_b in zip(chainages[:-1], chainages[1:], spacing, offsets[:-1], offsets[1:]):
            yield float(a), float(b), float(step), float(max(offset_a, offset_b))


def covered_intervals(centerline, track, max_offset_m):
    """The chainage intervals a track covers, merged: [(start_m, end_m), ...].

    Only where the track runs within max_offset_m of the centerline does it
    count; the rest of it (a detour through a village, a track along the
    wrong river) covers nothing.
    """
    intervals = [
        (min(a, b), max(a, b))
        for a, b, spacing, offset in _sample_pairs(centerline, track)
        if offset <= max_offset_m and abs(b - a) <= MAX_CHAINAGE_STRETCH * spacing + 2 * offset + 1.0
    ]
    return merge_intervals(intervals, gap_m=TRACK_STEP_M)


def near_share(centerline, track, max_offset_m):
    """The share (0 to 1) of a track's length that runs within max_offset_m of the centerline."""
    total = near = 0.0
    for _, _, spacing, offset in _sample_pairs(centerline, track):
        total += spacing
        near += spacing if offset <= max_offset_m else 0.0
    return near / total if total else 0.0


def merge_intervals(intervals, gap_m=0.0):
    """The union of chainage intervals, sorted; intervals closer than gap_m are joined."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + gap_m:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intervals_length(intervals):
    return sum(end - start for start, end in intervals)


def uncovered_intervals(intervals, length):
    """The stretches of a river of the given length that the (merged) intervals leave out."""
    gaps, position = [], 0.0
    for start, end in merge_intervals(intervals):
        if start > position:
            gaps.append((position, min(start, length)))
        position = max(position, end)
    if position < length:
        gaps.append((position, length))
    return [(a, b) for a, b in gaps if b - a > 1.0]


# Walkers stand still now and then; GPS jitter while standing reads as a
# crawl. Only samples faster than this count as moving.
MOVING_MS = 0.5


def moving_speed_kmh(track, times):
    """The average speed while moving, in km/h, of a track whose vertices have these times.

    track is a WGS84 LineString or MultiLineString; times holds one aware
    datetime (or None) per vertex, in order. None if there is not a minute
    of timed movement to judge by.
    """
    shape = to_metric(track)
    coords = shapely.get_coordinates(shape)
    distance = seconds = 0.0
    for part_start, part in _part_offsets(shape):
        for i in range(part_start, part_start + len(part.coords) - 1):
            t0, t1 = times[i], times[i + 1]
            if t0 is None or t1 is None or t1 <= t0:
                continue
            step = math.dist(coords[i], coords[i + 1])
            dt = (t1 - t0).total_seconds()
            if step / dt >= MOVING_MS:
                distance += step
                seconds += dt
    return distance / seconds * 3.6 if seconds >= 60 else None


def _part_offsets(shape):
    """(index of the part's first vertex among all vertices, part) for each part."""
    start = 0
    for part in getattr(shape, "geoms", [shape]):
        yield start, part
        start += len(part.coords)


def track_length_m(track):
    return to_metric(track).length


def vertices_outside_district(geom):
    """The (lon, lat) of each vertex of a WGS84 geometry that lies outside the district."""
    metric = shapely.get_coordinates(to_metric(geom))
    lonlats = shapely.get_coordinates(shapely.from_wkb(bytes(geom.wkb)))
    inside = shapely.contains_xy(district_shape(), metric[:, 0], metric[:, 1])
    return [(float(lon), float(lat)) for (lon, lat), ok in zip(lonlats, inside) if not ok]


# Coordinate systems that files from the district's offices come in (issue 9: data in and out).
# A file's CRS is matched against these EPSG codes; no CRS string from a file or a user ever reaches GDAL.
FILE_CRS = {
    4326: "WGS 84",
    4490: "CGCS2000",
    4548: "CGCS2000 / 3-degree Gauss-Kruger CM 117E",
    4527: "CGCS2000 / 3-degree Gauss-Kruger zone 39",
    4509: "CGCS2000 / Gauss-Kruger CM 117E",
    4498: "CGCS2000 / Gauss-Kruger zone 20",
    4214: "Beijing 1954",
    2436: "Beijing 1954 / 3-degree Gauss-Kruger CM 117E",
    2415: "Beijing 1954 / 3-degree Gauss-Kruger zone 39",
    21460: "Beijing 1954 / Gauss-Kruger CM 117E",
    21420: "Beijing 1954 / Gauss-Kruger zone 20",
    4610: "Xian 1980",
    2384: "Xian 1980 / 3-degree Gauss-Kruger CM 117E",
    2363: "Xian 1980 / 3-degree Gauss-Kruger zone 39",
    2345: "Xian 1980 / Gauss-Kruger CM 117E",
    2334: "Xian 1980 / Gauss-Kruger zone 20",
}
# Beijing 1954 and Xian 1980 have no transformation to WGS 84 good to a metre in PROJ's database.
OLD_DATUM_CRS = {4214, 2436, 2415, 21460, 21420, 4610, 2384, 2363, 2345, 2334}


@lru_cache(maxsize=None)
def _proj_of(srid):
    return SpatialReference(srid).proj.strip()


def identify_crs(srs):
    """The EPSG code (one of FILE_CRS) of a coordinate system GDAL read from a file, or None."""
    if srs is None:
        return None
    for name in ("PROJCS", "GEOGCS"):
        if srs.auth_name(name) == "EPSG" and srs.auth_code(name) and int(srs.auth_code(name)) in FILE_CRS:
            return int(srs.auth_code(name))
        if srs.auth_name(name) == "EPSG":
            break
    proj = srs.proj.strip()
    return next((srid for srid in FILE_CRS if _proj_of(srid) == proj), None)


def crs_is_known(srid):
    """Whether GDAL knows this EPSG code (an integer: safe to hand over)."""
    try:
        SpatialReference(int(srid))
    except Exception:  # GDAL raises its own errors for unknown codes
        return False
    return True
