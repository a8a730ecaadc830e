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

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, GDALException, OGRGeometry, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.ops import substring

WGS84 = 4326
METRIC_SRID = 4548

DISTRICT_FILE = settings.BASE_DIR / "gis_data" / "tongzhou_boundary.geojson"

# EPSG:4548 is a transverse Mercator zone: GDAL refuses points far from its
# central meridian ("outside the projection domain": latitude 0, longitude 27
# from a form was a 500) and distorts those a few degrees away. Nothing of
# ours lies far from Tongzhou (116.5-117.0 E, 39.6-40.1 N), so only points in
# this box around it are projected; to_metric refuses the rest.
PROJECTABLE = (114.0, 37.0, 120.0, 43.0)  # min lon, min lat, max lon, max lat


class OutsideProjection(ValidationError):
    """Coordinates too far from Tongzhou to be projected (or not numbers at all)."""


@lru_cache(maxsize=4)
def _transform(source, target):
    return CoordTransform(SpatialReference(source), SpatialReference(target))


def to_metric(geom):
    """A GEOS geometry in WGS84 as a shapely geometry in metres (EPSG:4548).

    OutsideProjection (a ValidationError, so a form shows it) for a point
    outside PROJECTABLE: every caller, whatever it got from a user, is covered.
    """
    if (geom.srid or WGS84) == WGS84:
        _check_projectable(geom)
    projected = geom.transform(_transform(geom.srid or WGS84, METRIC_SRID), clone=True)
    return shapely.from_wkb(bytes(projected.wkb))


def _projectable(lonlats):
    """For each (lon, lat), whether it lies in PROJECTABLE (NaN does not)."""
    min_lon, min_lat, max_lon, max_lat = PROJECTABLE
    lon, lat = lonlats[:, 0], lonlats[:, 1]
    return (min_lon <= lon) & (lon <= max_lon) & (min_lat <= lat) & (lat <= max_lat)


def _check_projectable(geom):
    min_lon, min_lat, max_lon, max_lat = PROJECTABLE
    if not geom.empty:
        west, south, east, north = geom.extent
        if min_lon <= west and east <= max_lon and min_lat <= south and north <= max_lat:
            return
    lonlats = shapely.get_coordinates(shapely.from_wkb(bytes(geom.wkb)))
    outside = lonlats[~_projectable(lonlats)]
    if len(outside):
        lon, lat = outside[0]
        raise OutsideProjection(
            _("The coordinates (latitude %(lat)s, longitude %(lon)s) are far outside Tongzhou district.")
            % {"lat": lat, "lon": lon}
        )


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
    downstream (left bank 左岸, right bank 右岸). OutsideProjection for a
    point far from Tongzhou, as in to_metric.
    """
    if (point.srid or WGS84) == WGS84:
        _check_projectable(point)
    chainages, offsets, banks = locate_xy(centerline, metric_xy([(point.x, point.y)], point.srid or WGS84))
    return Location(float(chainages[0]), float(offsets[0]), str(banks[0]))


def locate_xy(centerline, xy):
    """locate() for many points at once: chainages, offsets and banks of (n, 2) metric coordinates, as arrays.

    Only the projection onto the line is shapely's; the feet, and the line's
    direction a metre either side of them, are interpolated along the
    vertices' running distances with numpy (10,000 points in a few
    milliseconds instead of three more passes over the line).
    """
    line = metric_line(centerline)
    chainages = shapely.line_locate_point(line, shapely.points(xy))
    vertices = shapely.get_coordinates(line)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(vertices, axis=0).T))])

    def at(distances):
        return np.column_stack([np.interp(distances, along, vertices[:, 0]), np.interp(distances, along, vertices[:, 1])])

    feet = at(chainages)
    dx, dy = (at(np.minimum(chainages + 1.0, line.length)) - at(np.maximum(chainages - 1.0, 0.0))).T
    cross = dx * (xy[:, 1] - feet[:, 1]) - dy * (xy[:, 0] - feet[:, 0])
    return chainages, np.hypot(*(xy - feet).T), np.where(cross > 0, "left", "right")


def offsets_xy(centerline, xy):
    """Distances in metres of (n, 2) metric coordinates from a centerline, as an array."""
    return shapely.distance(shapely.points(xy), metric_line(centerline))


def transform_xy(xy, source, target):
    """(n, 2) coordinates from one EPSG code to another, in one GDAL call (x, y: longitude first).

    Coordinates GDAL cannot transform (outside the target's domain) come back as NaN.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if source == target or not len(xy):
        return xy.copy()
    try:
        multipoint = OGRGeometry(memoryview(shapely.to_wkb(shapely.multipoints(xy))), srs=source)
        multipoint.transform(_transform(source, target))
    except GDALException:
        if len(xy) == 1:
            return np.full_like(xy, np.nan)
        return np.vstack([transform_xy(one, source, target) for one in xy])  # find the ones that fail
    return shapely.get_coordinates(shapely.from_wkb(bytes(multipoint.wkb)))


def metric_xy(xy, source=WGS84):
    """(n, 2) coordinates (longitude, latitude in WGS84 by default) in metres, EPSG:4548.

    From WGS84, coordinates outside PROJECTABLE are NaN: they are far from
    anything of ours, and GDAL fails on or distorts them.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if source != WGS84:
        return transform_xy(xy, source, METRIC_SRID)
    near = _projectable(xy)
    metric = np.full_like(xy, np.nan)
    if near.any():
        metric[near] = transform_xy(xy[near], source, METRIC_SRID)
    return metric


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


def points_at_xy(centerline, chainages, offsets, signs):
    """point_at for many points at once: (n, 2) metric coordinates at these chainages, `offsets` metres
    to the left bank (sign 1) or the right bank (sign -1)."""
    line = metric_line(centerline)
    chainages = np.clip(np.asarray(chainages, dtype=float), 0.0, line.length)
    feet = shapely.get_coordinates(shapely.line_interpolate_point(line, chainages))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(line, np.minimum(chainages + 1.0, line.length)))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(chainages - 1.0, 0.0)))
    dx, dy = (ahead - behind).T
    norm = np.hypot(dx, dy)
    # The left normal of (dx, dy) is (-dy, dx).
    shift = np.asarray(signs, dtype=float) * np.asarray(offsets, dtype=float) / norm
    return np.column_stack([feet[:, 0] - shift * dy, feet[:, 1] + shift * dx])


# Map tiles (tiles.py) find hazards by their Web Mercator pixel at zoom 22: the world is
# 2**30 pixels wide there (256-pixel tiles), a few centimetres each, within a 32-bit integer.
WEB_PIXELS = 2 ** 30
WEB_MAX_LATITUDE = 85.0511287798066


def web_pixels_xy(lonlat):
    """(n, 2) longitudes and latitudes (WGS84) as integer Web Mercator pixels at zoom 22, x east and y south,
    as Leaflet projects them."""
    lon, lat = np.asarray(lonlat, dtype=float).reshape(-1, 2).T
    lat = np.radians(np.clip(lat, -WEB_MAX_LATITUDE, WEB_MAX_LATITUDE))
    x = (lon + 180.0) / 360.0 * WEB_PIXELS
    y = (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / np.pi) / 2.0 * WEB_PIXELS
    return np.clip(np.floor(np.column_stack([x, y])), 0, WEB_PIXELS - 1).astype(np.int64)


def lonlat_of_web_pixel(x, y):
    """The longitude and latitude of a Web Mercator pixel at zoom 22 (fractions allowed: a cluster's mean)."""
    return x / WEB_PIXELS * 360.0 - 180.0, math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y / WEB_PIXELS))))


def reach(centerline, start_m, end_m):
    """The stretch of a centerline between two chainages, as a WGS84 line.

    Never of no length: that would be a point, and vanish from a map of lines
    (WorkOrder.clean and merge_intervals keep such stretches out).
    """
    if start_m == end_m:
        raise ValueError(f"A stretch of no length (at {start_m} m) would be a point, not a line.")
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
    """Which of (n, 2) metric coordinates lie in the (buffered) district, as a boolean array (NaN: outside)."""
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


@dataclass(frozen=True)
class TrackOnRiver:
    """What a track covers of a river: the merged chainage intervals, and the share of it near the river."""

    covered: tuple  # ((start_m, end_m), ...), merged
    near_share: float  # 0 to 1
    samples: int  # points sampled along the track


def track_on_river(centerline, track, max_offset_m):
    """A track (WGS84) against a centerline, sampled every TRACK_STEP_M and projected onto the line.

    Only where the track runs within max_offset_m of the centerline does it
    cover the river; the rest of it (a detour through a village, a track
    along the wrong river) covers nothing. Cached: a patrol asks for the same
    river and track when it finds its river and when it is saved.
    """
    return _track_on_river(bytes(centerline.wkb), bytes(track.wkb), float(max_offset_m))


@lru_cache(maxsize=8)
def _track_on_river(line_wkb, track_wkb, max_offset_m):
    xy, part, along = _samples(_metric_track(track_wkb))
    chainage, offset = _polyline(line_wkb).project(xy)
    # Pairs of consecutive samples, within one part of the track.
    pair = part[:-1] == part[1:]
    a, b = chainage[:-1], chainage[1:]
    spacing = np.diff(along)
    offset = np.maximum(offset[:-1], offset[1:])
    near = pair & (offset <= max_offset_m)
    follows = near & (np.abs(b - a) <= MAX_CHAINAGE_STRETCH * spacing + 2 * offset + 1.0)
    covered = merge_intervals(np.column_stack([np.minimum(a, b)[follows], np.maximum(a, b)[follows]]), gap_m=TRACK_STEP_M)
    total = spacing[pair].sum()
    return TrackOnRiver(covered=tuple(covered), near_share=float(spacing[near].sum() / total) if total else 0.0,
                        samples=len(xy))


def _samples(shape):
    """Points every TRACK_STEP_M along each part of a metric track, and the end of each part.

    Returns their coordinates, the part each belongs to, and how far along
    the track (all parts end to end) each lies. Parts shorter than
    TRACK_STEP_M (a blip between two pauses of the recording) cover nothing
    and are left out, so there are at most three samples every TRACK_STEP_M
    of the track, whatever its number of points or parts; and the length is
    bounded first (imports.tracks.check_patrol_track refuses longer tracks
    with a message).
    """
    if shape.length > settings.PATROL_MAX_TRACK_KM * 1000:
        raise ValueError(f"A track of {shape.length:.0f} m is longer than PATROL_MAX_TRACK_KM: check it first.")
    coords, vertex_part = shapely.get_coordinates(shapely.get_parts(shape), return_index=True)
    steps = np.where(vertex_part[:-1] == vertex_part[1:], np.hypot(*np.diff(coords, axis=0).T), 0.0)
    travelled = np.concatenate([[0.0], np.cumsum(steps)])  # along the track, at each vertex
    first = np.flatnonzero(np.diff(vertex_part, prepend=-1))  # each part's first and last vertex
    last = np.append(first[1:] - 1, len(coords) - 1)
    part_length = travelled[last] - travelled[first]
    counts = np.where(part_length >= TRACK_STEP_M, np.ceil(part_length / TRACK_STEP_M).astype(int) + 1, 0)
    # Each sample: its part, its rank in the part, how far along the track it lies.
    part = np.repeat(np.arange(len(first)), counts)
    nth = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    along = np.minimum(travelled[first][part] + nth * TRACK_STEP_M, travelled[last][part])
    # The segment of its part it lies on, and where on it.
    segment = np.searchsorted(travelled, along, side="right") - 1
    segment = np.clip(segment, first[part], np.maximum(last[part] - 1, first[part]))
    ahead = np.minimum(segment + 1, last[part])
    share = np.divide(along - travelled[segment], steps[segment], out=np.zeros(len(along)), where=ahead > segment)
    xy = coords[segment] + np.clip(share, 0, 1)[:, None] * (coords[ahead] - coords[segment])
    return xy, part, along


class _Polyline:
    """A centerline as arrays of segments, to project many points onto it at once (numpy, in blocks).

    GEOS (shapely.line_locate_point and distance) projects one point at a
    time, some 5 microseconds each against the Chaobai; this does the same
    several times faster, which keeps the worst track accepted well under
    100 ms (`make bench`).
    """

    BLOCK = 256  # points a block: points x segments stay small enough for the CPU's cache

    def __init__(self, line):
        vertices = shapely.get_coordinates(line)
        self.start, self.vector = vertices[:-1], np.diff(vertices, axis=0)
        self.length = np.hypot(*self.vector.T)
        self.inverse_square = np.divide(1.0, self.length**2, out=np.zeros(len(self.length)), where=self.length > 0)
        self.chainage = np.concatenate([[0.0], np.cumsum(self.length)])  # at each segment's start

    def project(self, xy):
        """The chainage of the nearest point on the line, and the distance to it, for each point."""
        chainage, distance = np.empty(len(xy)), np.empty(len(xy))
        for block in range(0, len(xy), self.BLOCK):
            points = xy[block:block + self.BLOCK]
            dx = points[:, :1] - self.start[:, 0]
            dy = points[:, 1:] - self.start[:, 1]
            t = np.clip((dx * self.vector[:, 0] + dy * self.vector[:, 1]) * self.inverse_square, 0.0, 1.0)
            squared = (dx - t * self.vector[:, 0]) ** 2 + (dy - t * self.vector[:, 1]) ** 2
            nearest, rows = squared.argmin(axis=1), np.arange(len(points))
            chainage[block:block + self.BLOCK] = self.chainage[nearest] + t[rows, nearest] * self.length[nearest]
            distance[block:block + self.BLOCK] = np.sqrt(squared[rows, nearest])
        return chainage, distance


@lru_cache(maxsize=64)
def _polyline(wkb):
    return _Polyline(_metric_line(wkb))


@lru_cache(maxsize=4)
def _metric_track(wkb):
    return to_metric(GEOSGeometry(memoryview(wkb), srid=WGS84))


def metric_track(track):
    """A track in metres, cached: checking, timing and covering a track each need it."""
    return _metric_track(bytes(track.wkb))


def covered_intervals(centerline, track, max_offset_m):
    """The chainage intervals a track covers, merged: [(start_m, end_m), ...] (see track_on_river)."""
    return list(track_on_river(centerline, track, max_offset_m).covered)


def near_share(centerline, track, max_offset_m):
    """The share (0 to 1) of a track's length that runs within max_offset_m of the centerline."""
    return track_on_river(centerline, track, max_offset_m).near_share


def merge_intervals(intervals, gap_m=0.0):
    """The union of chainage intervals, sorted; intervals closer than gap_m are joined.

    Intervals of no length cover nothing and are left out: a reach from a
    chainage to itself would be a point.
    """
    array = np.asarray(intervals, dtype=float).reshape(-1, 2)
    array = array[array[:, 1] > array[:, 0]]
    if not len(array):
        return []
    array = array[np.argsort(array[:, 0], kind="stable")]
    reach_so_far = np.maximum.accumulate(array[:, 1])
    first = np.flatnonzero(np.concatenate([[True], array[1:, 0] > reach_so_far[:-1] + gap_m]))
    return [(float(start), float(end)) for start, end in zip(array[first, 0], np.maximum.reduceat(array[:, 1], first))]


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
    stamps = np.array([t.timestamp() if t is not None else np.nan for t in times])
    steps, seconds = steps_m(track), np.diff(stamps)
    with np.errstate(invalid="ignore", divide="ignore"):
        moving = (seconds > 0) & (steps / seconds >= MOVING_MS)
    distance, seconds = steps[moving].sum(), seconds[moving].sum()
    return float(distance / seconds * 3.6) if seconds >= 60 else None


def track_length_m(track):
    return metric_track(track).length


def steps_m(track):
    """The distance in metres from each vertex of a WGS84 track to the next one of its part (0 at a part's end).

    Indexed like the track's vertices, all parts one after the other.
    """
    coords, part = shapely.get_coordinates(shapely.get_parts(metric_track(track)), return_index=True)
    return np.where(part[:-1] == part[1:], np.hypot(*np.diff(coords, axis=0).T), 0.0)


def vertices_outside_district(geom):
    """The (lon, lat) of each vertex of a WGS84 geometry that lies outside the district."""
    lonlats = shapely.get_coordinates(shapely.from_wkb(bytes(geom.wkb)))
    inside = in_district_xy(metric_xy(lonlats))
    return [(float(lon), float(lat)) for lon, lat in lonlats[~inside]]


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
