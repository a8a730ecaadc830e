"""Patrol coverage: the worst track accepted, and the hostile one from issue 8, against the per-sample loop it replaced.

A patrol computes what its track covers once per river (to find the river
it follows) and saves the result. The cost grows with the track's sampled
length (every 20 m), so tracks are bounded: at most MAX_GPX_POINTS points,
PATROL_MAX_TRACK_KM in all, no jump over PATROL_MAX_JUMP_M that the times do
not show was walked. Run with `make bench` (or `python -m bench.patrol_coverage`).
"""

import json
import resource
import time

from bench import best_of, setup_django


def per_sample_loop(centerline, track, max_offset_m):
    """The coverage computation before issue 8, as it was: a Python loop over every pair of samples."""
    import shapely

    from hazards import geo

    line, shape = geo.metric_line(centerline), geo.to_metric(track)
    intervals, total, near = [], 0.0, 0.0
    for part in getattr(shape, "geoms", [shape]):
        points = shapely.points(shapely.get_coordinates(shapely.segmentize(part, geo.TRACK_STEP_M)))
        chainages, offsets = shapely.line_locate_point(line, points), shapely.distance(line, points)
        spacing = shapely.distance(points[:-1], points[1:])
        for a, b, step, oa, ob in zip(chainages[:-1], chainages[1:], spacing, offsets[:-1], offsets[1:]):
            offset = float(max(oa, ob))
            total += step
            if offset <= max_offset_m:
                near += step
                if abs(b - a) <= geo.MAX_CHAINAGE_STRETCH * step + 2 * offset + 1.0:
                    intervals.append((min(a, b), max(a, b)))
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + geo.TRACK_STEP_M:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged, near / total if total else 0.0


def worst_accepted(river):
    """As many points as a track may have, up and down the river for as long as a track may be."""
    import numpy as np
    import shapely
    from django.conf import settings

    from hazards import geo
    from hazards.imports import tracks

    walked = np.linspace(0, settings.PATROL_MAX_TRACK_KM * 1000 * 0.98, settings.MAX_GPX_POINTS)
    chainages = 3000 + 30_000 - np.abs(walked % 60_000 - 30_000)
    line = geo.from_metric(shapely.LineString(shapely.line_interpolate_point(geo.metric_line(river.centerline), chainages)))
    track = tracks.read_drawn_line(json.dumps({"type": "LineString", "coordinates": line.coords}))
    tracks.check_patrol_track(track)
    return track


def in_parts(line, points=12):
    """The same line cut into parts of this many points, each just over 20 m (a GPX file of many short segments):
    three samples a part, the most a track can have for its length."""
    from django.contrib.gis.geos import LineString, MultiLineString

    coords = line[0].coords
    return MultiLineString(*(LineString(coords[i:i + points]) for i in range(0, len(coords) - points + 1, points)),
                           srid=line.srid)


def hostile(river):
    """The review's track: 1,600 vertices drawn back and forth between two points 39 km apart."""
    from hazards.imports import tracks

    ends = [river.point_at(1000).coords, river.point_at(40000).coords]
    return tracks.read_drawn_line(json.dumps({"type": "LineString", "coordinates": [ends[i % 2] for i in range(1600)]}))


def main():
    connection = setup_django()
    import io

    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.core.management import call_command

    from hazards import geo
    from hazards.imports import tracks
    from hazards.models import River

    call_command("load_gis_data", stdout=io.StringIO())
    rivers = list(River.objects.all())
    chaobai = River.objects.get(code="chaobai")
    limit = settings.PATROL_MAX_OFFSET_M
    print(f"Patrol coverage against {len(rivers)} rivers ({connection.vendor})")
    worst = worst_accepted(chaobai)
    in_pieces = tracks.Track(line=in_parts(worst.line), name="pieces")
    tracks.check_patrol_track(in_pieces)
    compare(worst, "in one part", rivers, limit)
    compare(in_pieces, f"in {len(in_pieces.line):,} parts", rivers, limit)
    metric_ms = best_of(lambda: geo.to_metric(worst.line), repeat=5)[0]
    print(f"  {'the track into metres, once a patrol':44} {metric_ms:8.0f} ms  (shared by every check)")

    bad = hostile(chaobai)
    refused_ms = best_of(lambda: _refused(tracks.check_patrol_track, bad, ValidationError), repeat=5)[0]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    per_sample_loop(chaobai.centerline, bad.line, limit)
    hostile_s = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"  hostile track ({bad.point_count:,} points, {geo.track_length_m(bad.line) / 1000:,.0f} km):")
    print(f"  {'refused before sampling (ours)':44} {refused_ms:8.1f} ms")
    print(f"  {'per-sample loop on one river (baseline)':44} {hostile_s * 1000:8.0f} ms  +{grown:.0f} MB peak")


def compare(track, label, rivers, limit):
    """Ours against the per-sample loop, on every river, for one accepted track."""
    from hazards import geo

    uncached = geo._track_on_river.__wrapped__  # each run computes, as a new patrol does
    ours_ms, result = best_of(
        lambda: [uncached(bytes(r.centerline.wkb), bytes(track.line.wkb), float(limit)) for r in rivers], repeat=5)
    loop_ms, _ = best_of(lambda: [per_sample_loop(r.centerline, track.line, limit) for r in rivers], repeat=2)
    print(f"  worst track accepted {label}: {track.point_count:,} points, "
          f"{geo.track_length_m(track.line) / 1000:.0f} km, {result[0].samples:,} samples a river")
    print(f"  {'vectorised, every river (ours)':44} {ours_ms:8.0f} ms")
    print(f"  {'per-sample loop, as before (baseline)':44} {loop_ms:8.0f} ms")


def _refused(check, track, error):
    try:
        check(track)
    except error:
        return True
    raise AssertionError("the hostile track was accepted")


if __name__ == "__main__":
    main()
