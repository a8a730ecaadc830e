"""Writes the GPX fixtures in this folder from the rivers in gis_data/ (run once; the files are committed).

    .venv/bin/python tests/data/make_gpx.py

The tracks are placed along the rivers as loaded by load_gis_data; if those
lines change, run this again. Times are in November 2026; tests that need
"recent" patrols shift them to today (tests/gpx.py).
"""

import datetime
import json
import math
import os
import random
import sys
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floodwatch.settings")
django.setup()

import gpxpy.gpx  # noqa: E402
from django.contrib.gis.geos import GEOSGeometry  # noqa: E402

from hazards import geo  # noqa: E402

START = datetime.datetime(2026, 11, 20, 1, 0, tzinfo=datetime.timezone.utc)  # 09:00 in Beijing


def centerline(code):
    features = json.loads((HERE.parent.parent / "gis_data" / "rivers.geojson").read_text(encoding="utf-8"))["features"]
    feature = next(f for f in features if f["properties"]["code"] == code)
    return GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)


def walk(line, start_m, end_m, kmh, offset_m=25.0, step_m=15.0, seed=1):
    """(lat, lon, time) every step_m along the river, on its left bank, wandering a little."""
    rng = random.Random(seed)
    points, n = [], int(abs(end_m - start_m) / step_m)
    for i in range(n + 1):
        chainage = start_m + (end_m - start_m) * i / n
        offset = offset_m + 10 * math.sin(i / 9) + rng.uniform(-3, 3)
        p = geo.point_at(line, chainage, offset_m=offset, bank="left")
        seconds = i * step_m / (kmh / 3.6) + (240 if i > n // 2 else 0)  # a four-minute stop half-way
        points.append((p.y, p.x, START + datetime.timedelta(seconds=seconds)))
    return points


def shifted(points, north_m):
    """The same walk moved north by north_m metres."""
    return [(lat + north_m / 111_320, lon, t) for lat, lon, t in points]


def write(name, points, *, track_name, with_waypoint=False):
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "OsmAnd~ 4.6.9"
    gpx.name = track_name
    gpx.time = points[0][2] if points else START
    if with_waypoint or not points:
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(39.8547, 116.6305, name="涵管", time=START))
    if points:
        track = gpxpy.gpx.GPXTrack(name=track_name)
        segment = gpxpy.gpx.GPXTrackSegment()
        for lat, lon, t in points:
            segment.points.append(gpxpy.gpx.GPXTrackPoint(round(lat, 7), round(lon, 7), elevation=22.0, time=t))
        track.segments.append(segment)
        gpx.tracks.append(track)
    (HERE / name).write_text(gpx.to_xml(version="1.1"), encoding="utf-8")


def main():
    xth, cbh = centerline("xiaotaihou"), centerline("chaobai")
    along = walk(xth, 1000, 4000, kmh=4.5)
    write("xiaotaihou_k1_k4_walk.gpx", along, track_name="萧太后河巡河 K1-K4", with_waypoint=True)
    write("off_river_walk.gpx", shifted(walk(xth, 1000, 4000, kmh=4.5, offset_m=0), 1500), track_name="台湖镇 村内道路")
    write("chaobai_by_car.gpx", walk(cbh, 10000, 20000, kmh=40, step_m=60, seed=2), track_name="潮白河 巡河")
    write("chaobai_k20_k24_walk.gpx", walk(cbh, 20000, 24000, kmh=4.5, seed=3), track_name="潮白河 巡河 K20-K24")
    write("waypoints_only.gpx", [], track_name="标注点")
    bund = [(31.2400 + i * 0.0004, 121.4900, START + datetime.timedelta(seconds=20 * i)) for i in range(50)]
    write("outside_district.gpx", bund, track_name="外滩")
    whole = (HERE / "xiaotaihou_k1_k4_walk.gpx").read_text(encoding="utf-8")
    (HERE / "corrupt.gpx").write_text(whole[: len(whole) // 2], encoding="utf-8")  # a download cut short
    (HERE / "external_entity.gpx").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        '<gpx version="1.1" creator="x"><trk><name>&secret;</name><trkseg>'
        '<trkpt lat="39.855" lon="116.63"/><trkpt lat="39.854" lon="116.64"/></trkseg></trk></gpx>\n',
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
