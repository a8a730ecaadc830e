"""Coverage from patrol tracks: what a track covers of its river, and what patrols covered lately."""

import datetime
import json

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import MultiLineString
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hazards import geo
from hazards.imports import tracks
from hazards.models import Patrol, River
from hazards.readiness import river_coverage

LIMIT = 300  # PATROL_MAX_OFFSET_M's default


def metric_line(*xy):
    return geo.from_metric(shapely.LineString(xy))


def track(*xy):
    return MultiLineString(metric_line(*xy), srid=geo.WGS84)


@pytest.fixture
def straight_river(db):
    """A 10 km river running due south along easting 480,000 m: chainage c is at northing 4,420,000 - c."""
    return River.objects.create(
        code="test", code_prefix="TST", name_zh="测试河", centerline=metric_line((480000, 4420000), (480000, 4410000))
    )


def covered(river, line):
    return [(round(a), round(b)) for a, b in geo.covered_intervals(river.centerline, line, LIMIT)]


def test_a_track_along_the_bank_covers_the_stretch_walked(straight_river):
    walk = track((480040, 4420000 - 1000), (479980, 4420000 - 2500), (480050, 4420000 - 4000))
    assert covered(straight_river, walk) == [(1000, 4000)]


def test_a_track_walked_downstream_or_upstream_covers_the_same(straight_river):
    down = track((480040, 4419000), (480040, 4416000))
    up = track((480040, 4416000), (480040, 4419000))
    assert covered(straight_river, down) == covered(straight_river, up) == [(1000, 4000)]


def test_a_track_far_from_the_river_covers_nothing(straight_river):
    parallel_road = track((481500, 4419000), (481500, 4416000))  # 1.5 km east, all along
    assert covered(straight_river, parallel_road) == []
    assert geo.near_share(straight_river.centerline, parallel_road, LIMIT) == 0


def test_only_the_parts_of_a_track_near_the_river_count(straight_river):
    # Along the bank from K1 to K2, a detour 800 m inland, back to the bank at K2+500, on to K3.
    walk = track(
        (480030, 4419000), (480030, 4418000), (480800, 4418000), (480800, 4417500), (480030, 4417500), (480030, 4417000)
    )
    assert covered(straight_river, walk) == [(1000, 2000), (2500, 3000)]
    assert 0.4 < geo.near_share(straight_river.centerline, walk, LIMIT) < 0.7


def test_cutting_across_a_meander_neck_does_not_cover_the_loop(db):
    # The river runs 2 km south, 400 m east and 2 km north again: a neck 400 m wide.
    loop = River.objects.create(code="loop", code_prefix="LP", name_zh="弯河", centerline=metric_line(
        (480000, 4420000), (480000, 4418000), (480400, 4418000), (480400, 4420000)))
    across = track((479980, 4419900), (480420, 4419900))  # within 300 m of the river all the way
    assert geo.intervals_length(geo.covered_intervals(loop.centerline, across, LIMIT)) < 50


def test_walking_round_a_sharp_bend_leaves_no_gap(db):
    bend = River.objects.create(code="bend", code_prefix="BD", name_zh="折河", centerline=metric_line(
        (480000, 4420000), (480000, 4418000), (482000, 4418000)))
    # On the inside of the right-angle bend, 100 m from the line.
    inside = track((480100, 4419000), (480100, 4418100), (481000, 4418100))
    assert covered(bend, inside) == [(1000, 3000)]


def test_overlapping_stretches_are_merged_and_gaps_left_out():
    assert geo.merge_intervals([(3000, 4000), (1000, 2000), (1500, 2500)]) == [(1000, 2500), (3000, 4000)]
    assert geo.uncovered_intervals([(1000, 2500), (3000, 4000)], 5000) == [(0, 1000), (2500, 3000), (4000, 5000)]


def test_speed_while_moving_ignores_stops():
    line = track((480000, 4420000), (480000, 4419000), (480000, 4419000), (480000, 4418000))
    t0 = datetime.datetime(2026, 5, 1, 1, 0, tzinfo=datetime.timezone.utc)
    # 1 km in 12 minutes, 30 minutes standing still, 1 km in 12 minutes: 5 km/h while moving.
    times = [t0 + datetime.timedelta(minutes=m) for m in (0, 12, 42, 54)]
    assert geo.moving_speed_kmh(line, times) == pytest.approx(5.0, rel=0.01)
    assert geo.moving_speed_kmh(line, [None] * 4) is None


def patrol(river, track_line, days_ago, inspector):
    p = Patrol(river=river, track=track_line, source="drawn", inspector=inspector,
               date=timezone.localdate() - datetime.timedelta(days=days_ago))
    p.full_clean()
    p.save()
    return p


def test_river_coverage_joins_the_patrols_of_the_last_7_or_30_days(straight_river, cast):
    inspector = cast["inspector"]
    patrol(straight_river, track((480040, 4419000), (480040, 4417000)), 0, inspector)  # K1–K3 today
    patrol(straight_river, track((480040, 4418000), (480040, 4416000)), 6, inspector)  # K2–K4 six days ago
    patrol(straight_river, track((480040, 4414000), (480040, 4413000)), 12, inspector)  # K6–K7 twelve days ago
    patrol(straight_river, track((480040, 4411000), (480040, 4410000)), 45, inspector)  # K9–K10, too long ago

    week, = river_coverage(7, rivers=[straight_river])
    month, = river_coverage(30, rivers=[straight_river])
    assert [(round(a), round(b)) for a, b in week.covered] == [(1000, 4000)]
    assert week.percent == pytest.approx(30, abs=0.1) and week.patrol_count == 2
    assert [(round(a), round(b)) for a, b in month.covered] == [(1000, 4000), (6000, 7000)]
    assert month.percent == pytest.approx(40, abs=0.1)
    assert [(round(a), round(b)) for a, b in month.uncovered] == [(0, 1000), (4000, 6000), (7000, 10000)]


def test_a_patrol_records_what_it_covered_and_flags_a_track_away_from_the_river(straight_river, cast):
    along = patrol(straight_river, track((480040, 4419000), (480040, 4417000)), 0, cast["inspector"])
    away = patrol(straight_river, track((481500, 4419000), (481500, 4417000)), 0, cast["inspector"])
    assert along.stretches == ["K1+000–K3+000"] and along.follows_river and along.flags == []
    assert away.covered == [] and away.covered_m == 0 and not away.follows_river
    assert "does not follow the river" in away.flags[0]


def test_a_patrol_too_fast_to_be_on_foot_is_flagged(straight_river, cast, settings):
    p = patrol(straight_river, track((480040, 4419000), (480040, 4417000)), 0, cast["inspector"])
    p.moving_speed_kmh = 38
    assert p.is_too_fast and "Too fast to be on foot" in p.flags[0]
    p.moving_speed_kmh = 4.5
    assert not p.is_too_fast and p.flags == []
    settings.PATROL_MAX_WALKING_KMH = 4
    assert p.is_too_fast


# What coverage costs is bounded (issue 8): a track's sampled length, not only its points.

def hostile_track(river):
    """The track from the review: 1,600 vertices drawn back and forth between two points 39 km apart."""
    ends = [river.point_at(1000).coords, river.point_at(40000).coords]
    return json.dumps({"type": "LineString", "coordinates": [ends[i % 2] for i in range(1600)]})


def test_a_drawn_track_jumping_between_far_points_is_refused_naming_the_jump(rivers):
    with pytest.raises(ValidationError) as error:
        tracks.check_patrol_track(tracks.read_drawn_line(hostile_track(rivers["chaobai"])))
    start, end = rivers["chaobai"].point_at(1000), rivers["chaobai"].point_at(40000)
    assert error.value.messages == [
        f"The line drawn on the map jumps {geo.distance_m(start, end) / 1000:.1f} km from its point 1 "
        f"(latitude {start.y:.5f}, longitude {start.x:.5f}) to the next, which no one walks. Consecutive points "
        "may be at most 2.0 km apart, unless their times show the gap was walked."
    ]


def test_a_track_longer_than_the_limit_is_refused(rivers, settings):
    settings.PATROL_MAX_TRACK_KM = 5
    there_and_back = [rivers["chaobai"].point_at(c, offset_m=20).coords for c in [*range(1000, 4001, 500), 3000, 1500]]
    track = tracks.read_drawn_line(json.dumps({"type": "LineString", "coordinates": there_and_back}))
    with pytest.raises(ValidationError) as error:
        tracks.check_patrol_track(track)
    assert error.value.messages == [
        f"The line drawn on the map is {geo.track_length_m(track.line) / 1000:.1f} km long; a patrol track may be at "
        "most 5 km. Record each patrol on its own."
    ]
    assert geo.track_length_m(track.line) > 5000
    settings.PATROL_MAX_TRACK_KM = 6
    tracks.check_patrol_track(track)


def test_the_longest_track_accepted_is_sampled_a_bounded_number_of_times(rivers, settings):
    # As many points as a track may have, up and down the Chaobai (K3 to K33) for as long as a track may be.
    river, points = rivers["chaobai"], settings.MAX_GPX_POINTS
    walked = np.linspace(0, settings.PATROL_MAX_TRACK_KM * 1000 * 0.98, points)
    chainages = 3000 + 30_000 - np.abs(walked % 60_000 - 30_000)
    line = geo.from_metric(shapely.LineString(shapely.line_interpolate_point(geo.metric_line(river.centerline), chainages)))
    track = tracks.read_drawn_line(json.dumps({"type": "LineString", "coordinates": line.coords}))
    tracks.check_patrol_track(track)  # accepted
    on_river = geo.track_on_river(river.centerline, track.line, LIMIT)
    # One sample every 20 m of the track and one at its end, however many points it has.
    assert on_river.samples <= settings.PATROL_MAX_TRACK_KM * 1000 / geo.TRACK_STEP_M + 1
    (start, end), = on_river.covered
    assert start == pytest.approx(3000, abs=1) and end == pytest.approx(33000, abs=geo.TRACK_STEP_M)
    assert on_river.near_share == 1


def test_a_track_in_many_short_parts_is_sampled_at_most_three_times_every_20_m(straight_river):
    # 100 parts of 21 m, 30 m apart along the bank, then 100 blips of 2 m that cover nothing.
    parts = [metric_line((480040, 4419000 - 30 * i), (480040, 4419000 - 30 * i - 21)) for i in range(100)]
    blips = [metric_line((480040, 4416000 - 30 * i), (480040, 4416000 - 30 * i - 2)) for i in range(100)]
    pieces = MultiLineString(*parts, *blips, srid=geo.WGS84)
    on_river = geo.track_on_river(straight_river.centerline, pieces, LIMIT)
    assert on_river.samples <= 3 * 100 * 21 / geo.TRACK_STEP_M
    assert geo.intervals_length(on_river.covered) == pytest.approx(3000, abs=30)  # K1 to K4: gaps under 20 m are joined


def test_coverage_refuses_to_sample_a_track_nobody_checked(rivers):
    unchecked = tracks.read_drawn_line(hostile_track(rivers["chaobai"])).line  # district checked, jumps not
    with pytest.raises(ValueError, match="longer than PATROL_MAX_TRACK_KM"):
        geo.track_on_river(rivers["chaobai"].centerline, unchecked, LIMIT)


def test_a_patrol_samples_its_track_once_per_river(rivers, client_as):
    geo._track_on_river.cache_clear()  # the cache is how the computation is shared
    drawn = [rivers["chaobai"].point_at(c, offset_m=20).coords for c in range(5000, 8001, 100)]
    response = client_as("inspector").post(reverse("hazards:patrol-create"), {
        "drawn_track": json.dumps({"type": "LineString", "coordinates": drawn}), "date": timezone.localdate()})
    assert response.status_code == 302 and Patrol.objects.get().river.code == "chaobai"
    computed = geo._track_on_river.cache_info()
    # Once against each river to find the one it follows; saving reuses the Chaobai's.
    assert (computed.misses, computed.hits) == (len(rivers), 1)
