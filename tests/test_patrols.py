"""Recording patrols: GPX uploads (good, corrupt, hostile), drawn tracks, checks, hazards found, rights."""

import datetime
import json
from pathlib import Path

import gpxpy
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hazards.imports.tracks import read_drawn_line
from hazards.models import Hazard, Patrol, PatrolCheck
from hazards.readiness import river_coverage

from .conftest import jpeg, make_hazard, make_user

DATA = Path(__file__).parent / "data"
FIXTURE_DAY = datetime.date(2026, 11, 20)  # the day the fixture tracks were recorded (Beijing time)


def gpx_file(name, on=None):
    """A GPX fixture as an upload; on=a date moves its times to that day."""
    content = (DATA / name).read_bytes()
    if on is not None:
        gpx = gpxpy.parse(content.decode("utf-8"))
        gpx.adjust_time(datetime.timedelta(days=(on - FIXTURE_DAY).days))
        content = gpx.to_xml(version="1.1").encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="application/gpx+xml")


def record(client, **fields):
    return client.post(reverse("hazards:patrol-create"), fields)


def form_errors(response):
    form = response.context["form"]
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def nothing_written():
    return not Patrol.objects.exists() and not Patrol.history.exists()


def test_an_inspector_uploads_a_gpx_track_and_the_stretch_is_covered(rivers, client_as):
    today = timezone.localdate()
    client = client_as("inspector")
    response = record(client, gpx=gpx_file("xiaotaihou_k1_k4_walk.gpx", on=today), companions="李娜")
    patrol = Patrol.objects.get()
    assert response.status_code == 302 and response["Location"] == patrol.get_absolute_url()
    assert patrol.river.code == "xiaotaihou"  # from the track: no river was chosen
    assert patrol.date == today and patrol.source == "gpx" and patrol.inspector.username == "inspector"
    (start, end), = patrol.covered
    assert start == pytest.approx(1000, abs=30) and end == pytest.approx(4000, abs=30)
    assert patrol.moving_speed_kmh == pytest.approx(4.5, abs=0.3) and patrol.flags == []

    assert patrol.stretches[0] in client.get(response["Location"]).content.decode()
    week = {c.river.code: c for c in river_coverage(7)}
    assert week["xiaotaihou"].percent == pytest.approx(100 * 3000 / rivers["xiaotaihou"].length_m, abs=1)
    listing = client.get(reverse("hazards:patrols")).content.decode()
    assert f'data-percent="{week["xiaotaihou"].percent:.1f}"' in listing
    assert f'data-percent="{0:.1f}"' in listing  # the Chaobai: nobody walked it this week


def test_a_corrupt_gpx_file_gets_a_clear_error_and_changes_nothing(rivers, client_as, cast):
    client = client_as("inspector")
    record(client, gpx=gpx_file("xiaotaihou_k1_k4_walk.gpx", on=timezone.localdate()))
    before = [(c.river.code, c.covered) for c in river_coverage(7)]
    patrols = Patrol.objects.count()

    response = record(client, gpx=gpx_file("corrupt.gpx"))
    assert response.status_code == 200
    assert "corrupt.gpx is not a GPX file we can read" in form_errors(response)
    assert "Export the track again" in response.content.decode()
    assert Patrol.objects.count() == patrols and Patrol.history.count() == patrols
    assert [(c.river.code, c.covered) for c in river_coverage(7)] == before


@pytest.mark.parametrize("name, message", [
    ("waypoints_only.gpx", "holds no track, only waypoints"),
    ("outside_district.gpx", "50 of the 50 points of outside_district.gpx lie outside Tongzhou district"),
    ("external_entity.gpx", "contains a DOCTYPE or entity declaration"),
])
def test_a_gpx_file_that_cannot_be_a_patrol_here_is_refused_with_a_reason(rivers, client_as, name, message):
    response = record(client_as("inspector"), gpx=gpx_file(name))
    assert message in form_errors(response)
    assert nothing_written()


def test_the_external_entity_is_never_read(rivers, client_as):
    response = record(client_as("inspector"), gpx=gpx_file("external_entity.gpx"))
    assert "root:" not in response.content.decode()  # nothing of /etc/passwd


def test_a_file_that_is_not_gpx_at_all_is_refused(rivers, client_as):
    photo = jpeg()
    photo.name = "track.gpx"
    assert "is not a GPX file" in form_errors(record(client_as("inspector"), gpx=photo))
    html = SimpleUploadedFile("page.gpx", b"<html><body>Not found</body></html>")
    assert "it has no <gpx> element" in form_errors(record(client_as("inspector"), gpx=html))
    assert nothing_written()


def test_a_gpx_file_over_the_size_limit_is_refused_before_it_is_read(rivers, client_as, settings):
    settings.MAX_GPX_BYTES = 10_000
    response = record(client_as("inspector"), gpx=gpx_file("xiaotaihou_k1_k4_walk.gpx"))
    assert "xiaotaihou_k1_k4_walk.gpx is larger than 9.8\xa0KB" in form_errors(response)
    assert nothing_written()


def test_a_track_off_the_river_needs_its_river_named_and_then_covers_nothing(rivers, client_as):
    client = client_as("inspector")
    response = record(client, gpx=gpx_file("off_river_walk.gpx"))
    assert "does not come within 300 m of any river; choose the river it belongs to" in form_errors(response)
    assert nothing_written()

    response = record(client, gpx=gpx_file("off_river_walk.gpx"), river=rivers["xiaotaihou"].pk)
    patrol = Patrol.objects.get()
    assert patrol.covered == [] and patrol.covered_m == 0
    assert patrol.on_river_pct == 0 and not patrol.follows_river
    assert all(c.covered == [] for c in river_coverage(30))
    page = client.get(response["Location"]).content.decode()
    assert "The track does not follow the river" in page


def test_a_patrol_by_car_is_flagged_as_too_fast_to_be_on_foot(rivers, client_as):
    client = client_as("inspector")
    response = record(client, gpx=gpx_file("chaobai_by_car.gpx"))
    patrol = Patrol.objects.get()
    assert patrol.river.code == "chaobai" and patrol.moving_speed_kmh == pytest.approx(40, abs=2)
    assert "Too fast to be on foot: 40 km/h while moving." in client.get(response["Location"]).content.decode()
    assert "Too fast to be on foot" in client.get(reverse("hazards:patrols")).content.decode()


def test_the_date_must_match_the_track_when_both_are_given(rivers, client_as):
    response = record(client_as("inspector"), gpx=gpx_file("xiaotaihou_k1_k4_walk.gpx"), date="2026-11-19")
    assert "The track was recorded on 2026-11-20" in form_errors(response)
    assert nothing_written()


def test_a_future_patrol_is_refused(rivers, client_as):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = record(client_as("inspector"), gpx=gpx_file("xiaotaihou_k1_k4_walk.gpx", on=tomorrow))
    assert "The patrol date is in the future." in form_errors(response)
    assert nothing_written()


def drawn(river, start_m, end_m, step_m=100):
    coords = [river.point_at(c, offset_m=20).coords for c in range(start_m, end_m + 1, step_m)]
    return json.dumps({"type": "LineString", "coordinates": coords})


def test_a_stretch_drawn_on_the_map_records_a_patrol_without_times(rivers, client_as):
    client = client_as("inspector")
    response = record(client, drawn_track=drawn(rivers["chaobai"], 5000, 8000))
    assert "This track has no times: give the date of the patrol." in form_errors(response)
    record(client, drawn_track=drawn(rivers["chaobai"], 5000, 8000), date=timezone.localdate().isoformat())
    patrol = Patrol.objects.get()
    assert patrol.source == "drawn" and patrol.river.code == "chaobai" and patrol.moving_speed_kmh is None
    assert patrol.stretches == ["K5+000–K8+000"]


def test_a_gpx_file_and_a_drawn_line_together_are_refused(rivers, client_as):
    response = record(client_as("inspector"), gpx=gpx_file("xiaotaihou_k1_k4_walk.gpx"),
                      drawn_track=drawn(rivers["chaobai"], 5000, 8000))
    assert "not both" in form_errors(response)
    assert "Upload the GPX track" in form_errors(record(client_as("inspector"), companions="x"))
    assert nothing_written()


@pytest.mark.parametrize("text", ["not json", '{"type": "Point", "coordinates": [116.7, 39.9]}',
                                  '{"type": "LineString", "coordinates": [[116.7, 39.9]]}'])
def test_a_broken_drawn_line_is_refused(rivers, client_as, text):
    response = record(client_as("inspector"), drawn_track=text, date=timezone.localdate().isoformat())
    assert "The line drawn on the map" in form_errors(response)
    assert nothing_written()


@pytest.mark.parametrize("role", ["engineer", "leader"])
def test_only_inspectors_record_patrols(rivers, client_as, role):
    client = client_as(role)
    assert client.get(reverse("hazards:patrol-create")).status_code == 403
    assert record(client, gpx=gpx_file("xiaotaihou_k1_k4_walk.gpx")).status_code == 403
    assert nothing_written()
    assert client.get(reverse("hazards:patrols")).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(rivers, client):
    for name in ("hazards:patrols", "hazards:patrol-create"):
        assert client.get(reverse(name))["Location"].startswith(reverse("login"))
    assert client.get(reverse("hazards:api-coverage")).status_code == 401


@pytest.fixture
def walk(rivers, cast):
    """The inspector's patrol along the Xiaotaihou from K1 to K4, with a culvert at K1+800 on the way."""
    culvert = make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True, blockage_pct=60)
    patrol = Patrol(river=rivers["xiaotaihou"], inspector=cast["inspector"], source="drawn", date=timezone.localdate(),
                    track=read_drawn_line(drawn(rivers["xiaotaihou"], 1000, 4000)).line)
    patrol.save()
    return patrol, culvert


def test_the_patrol_page_lists_the_hazards_passed_and_records_a_check_with_a_photo(walk, client_as):
    patrol, culvert = walk
    make_hazard(patrol.river, 6000, title="Far downstream")
    client = client_as("inspector")
    page = client.get(patrol.get_absolute_url()).content.decode()
    assert culvert.code in page and "Far downstream" not in page.split("Hazards checked")[0]

    response = client.post(reverse("hazards:patrol-check", args=[patrol.pk]), {
        "hazard": culvert.pk, "observation": "Inlet half blocked by branches.", "photo": jpeg(gps=(39.853, 116.64)),
    })
    assert response.status_code == 302
    check = PatrolCheck.objects.get()
    assert (check.patrol, check.hazard, check.photos.count()) == (patrol, culvert, 1)
    assert check.photos.get().gps_location is not None
    again = client.post(reverse("hazards:patrol-check", args=[patrol.pk]), {"hazard": culvert.pk, "observation": "x"})
    assert again.status_code == 400 and "is already checked on this patrol" in form_errors(again)
    assert PatrolCheck.objects.count() == 1


def test_a_check_with_a_broken_photo_saves_nothing(walk, client_as):
    patrol, culvert = walk
    bad = SimpleUploadedFile("x.jpg", b"not a jpeg", content_type="image/jpeg")
    response = client_as("inspector").post(reverse("hazards:patrol-check", args=[patrol.pk]),
                                           {"hazard": culvert.pk, "observation": "x", "photo": bad})
    assert response.status_code == 400 and "is not a photo we can read" in form_errors(response)
    assert not PatrolCheck.objects.exists()


def test_a_hazard_of_another_river_cannot_be_checked(walk, client_as, rivers):
    patrol, _ = walk
    elsewhere = make_hazard(rivers["chaobai"], 9000)
    response = client_as("inspector").post(reverse("hazards:patrol-check", args=[patrol.pk]),
                                           {"hazard": elsewhere.pk, "observation": "x"})
    assert response.status_code == 400 and not PatrolCheck.objects.exists()


def test_only_the_patrols_inspector_or_an_admin_adds_to_it(walk, client, cast):
    patrol, culvert = walk
    client.force_login(make_user("inspector2", "inspector"))
    url = reverse("hazards:patrol-check", args=[patrol.pk])
    assert client.post(url, {"hazard": culvert.pk, "observation": "x"}).status_code == 403
    assert client.get(reverse("hazards:patrol-report-hazard", args=[patrol.pk])).status_code == 403
    assert "Record a hazard checked" not in client.get(patrol.get_absolute_url()).content.decode()
    client.force_login(cast["admin"])
    assert client.post(url, {"hazard": culvert.pk, "observation": "Seen by the admin"}).status_code == 302


def test_a_hazard_found_on_a_patrol_links_back_to_it(walk, client_as):
    patrol, _ = walk
    client = client_as("inspector")
    spot = patrol.river.point_at(2600, offset_m=15)
    response = client.post(reverse("hazards:patrol-report-hazard", args=[patrol.pk]), {
        "title": "Fly-tipped rubble", "kind": "debris", "blockage_pct": "10", "status": "reported",
        "latitude": spot.y, "longitude": spot.x,
    })
    hazard = Hazard.objects.get(title="Fly-tipped rubble")
    assert response.status_code == 302 and hazard.patrol == patrol and hazard.river == patrol.river
    assert hazard.history.get().patrol_id == patrol.pk
    assert hazard.title in client.get(patrol.get_absolute_url()).content.decode()
    assert patrol.get_absolute_url() in client.get(hazard.get_absolute_url()).content.decode()


def test_the_coverage_api_returns_patrolled_and_unpatrolled_stretches(walk, client_as):
    client = client_as("leader")
    data = json.loads(client.get(reverse("hazards:api-coverage") + "?days=7").content)
    xth = [f["properties"] for f in data["features"] if f["properties"]["river"] == "xiaotaihou"]
    assert [(p["covered"], p["stretch"]) for p in xth] == [
        (True, "K1+000–K4+000"), (False, "K0+000–K1+000"), (False, "K4+000–K7+159")]
    assert all(f["geometry"]["type"] == "LineString" for f in data["features"])
    chaobai = [f["properties"] for f in data["features"] if f["properties"]["river"] == "chaobai"]
    assert [(p["covered"], p["percent"]) for p in chaobai] == [(False, 0)]
    assert client.get(reverse("hazards:api-coverage") + "?days=9").status_code == 400


# Tracks no walker makes (issue 8): coverage is sampled along the track, so its jumps and length are bounded.

def test_a_drawn_track_jumping_back_and_forth_across_the_district_is_refused_on_the_page(rivers, client_as):
    chaobai = rivers["chaobai"]
    ends = [chaobai.point_at(1000).coords, chaobai.point_at(40000).coords]
    hostile = json.dumps({"type": "LineString", "coordinates": [ends[i % 2] for i in range(1600)]})
    response = record(client_as("inspector"), drawn_track=hostile, date=timezone.localdate().isoformat())
    assert response.status_code == 200
    assert "The line drawn on the map jumps" in form_errors(response) and "which no one walks" in form_errors(response)
    assert nothing_written()


def walk_with_a_gap(seconds_across):
    """The Xiaotaihou walk (K1 to K4) with its points from about K1+300 to K3+800 missing,
    the rest of the walk reached seconds_across after the last point before the gap."""
    gpx = gpxpy.parse((DATA / "xiaotaihou_k1_k4_walk.gpx").read_text(encoding="utf-8"))
    gpx.adjust_time(datetime.timedelta(days=(timezone.localdate() - FIXTURE_DAY).days))
    segment = gpx.tracks[0].segments[0]
    before, after = segment.points[:20], segment.points[187:]
    shift = after[0].time - before[-1].time - datetime.timedelta(seconds=seconds_across)
    for point in after:
        point.time -= shift
    segment.points = before + after
    return SimpleUploadedFile("gap.gpx", gpx.to_xml(version="1.1").encode(), content_type="application/gpx+xml")


def test_a_gps_gap_walked_in_its_time_counts_but_the_same_jump_in_seconds_is_refused(rivers, client_as):
    client = client_as("inspector")
    glitch = record(client, gpx=walk_with_a_gap(10))
    assert "gap.gpx jumps 2.5 km from its point 20" in form_errors(glitch)
    assert nothing_written()

    response = record(client, gpx=walk_with_a_gap(35 * 60))  # lost the signal for 35 minutes, walking on
    assert response.status_code == 302
    (start, end), = Patrol.objects.get().covered
    assert start == pytest.approx(1000, abs=30) and end == pytest.approx(4000, abs=30)
