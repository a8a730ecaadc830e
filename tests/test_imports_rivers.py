"""A surveyed centerline replaces the approximate one; hazards, reaches, patrols and villages are measured again."""

import io
import json

import pytest
from django.contrib.gis.geos import LineString, MultiLineString
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from hazards import geo
from hazards.imports.rivers import apply_river, plan_river
from hazards.models import Hazard, ImportRecord, Patrol, River, WorkOrder

from .conftest import make_hazard


def surveyed_line(river, north_m=40.0, reverse=False, step_m=100.0):
    """The river's line moved north by north_m and resampled, as a survey would give it; maybe drawn downstream up."""
    points = [river.point_at(c) for c in range(0, int(river.length_m), int(step_m))] + [river.point_at(river.length_m)]
    coords = [(p.x, p.y + north_m / 111_320) for p in points]
    return list(reversed(coords)) if reverse else coords


def geojson_upload(coords, name="surveyed.geojson"):
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "萧太后河中心线（实测）"},
         "geometry": {"type": "LineString", "coordinates": coords}}]}
    return SimpleUploadedFile(name, json.dumps(data, ensure_ascii=False).encode("utf-8"))


@pytest.fixture
def along_xth(rivers, cast):
    xth = rivers["xiaotaihou"]
    hazards = [make_hazard(xth, c, title=f"点{c}") for c in (1000, 4000, 7000)]
    reach = WorkOrder.objects.create(title="清淤", kind="dredge", river=xth, start_chainage_m=2000, end_chainage_m=3000)
    track = MultiLineString(LineString([xth.point_at(c, offset_m=20).coords for c in range(1000, 3001, 50)]))
    patrol = Patrol(river=xth, date=timezone.localdate(), inspector=cast["inspector"], source="drawn", track=track)
    patrol.save()
    return {"river": xth, "hazards": hazards, "reach": reach, "patrol": patrol}


def test_a_surveyed_line_drawn_the_wrong_way_is_turned_round_and_everything_follows(along_xth, cast):
    xth = along_xth["river"]
    plan = plan_river(geojson_upload(surveyed_line(xth, reverse=True)), xth)
    assert plan.problems == [] and plan.reversed
    record = apply_river(plan, user=cast["admin"], source_note="2026 年实测，精度 0.5 m")
    xth = River.objects.get(code="xiaotaihou")
    assert not xth.approximate and xth.source_note == "2026 年实测，精度 0.5 m"
    assert geo.distance_m(geo.point_at(xth.centerline, 0),
                          geo.point_at(along_xth["river"].centerline, 0)) < 60  # still starts upstream
    for hazard in Hazard.objects.filter(river=xth):
        old = next(h for h in along_xth["hazards"] if h.pk == hazard.pk)
        # The point stayed; the line moved 40 m north: the chainage barely moves, the offset changes.
        assert hazard.location == old.location and abs(hazard.chainage_m - old.chainage_m) < 60
        assert abs(hazard.offset_m - old.offset_m) > 10
        assert hazard.history.first().history_change_reason == f"River line replaced (import #{record.pk})"
    reach = WorkOrder.objects.get(pk=along_xth["reach"].pk)
    assert reach.start_chainage_m == pytest.approx(2000, abs=60) and reach.version == 2
    assert record.report["hazards"][0]["moved_m"] == max((m["moved_m"] for m in record.report["hazards"]), key=abs)
    patrol = Patrol.objects.get(pk=along_xth["patrol"].pk)
    assert patrol.covered_m == pytest.approx(along_xth["patrol"].covered_m, rel=0.1)


def test_a_line_that_leaves_hazards_too_far_is_refused_unless_confirmed(along_xth, cast):
    xth = along_xth["river"]
    plan = plan_river(geojson_upload(surveyed_line(xth, north_m=700)), xth)
    assert len(plan.too_far) == 3
    before = list(Hazard.objects.values_list("chainage_m", "offset_m"))
    with pytest.raises(Exception, match="would lie more than 500 m"):
        apply_river(plan, user=cast["admin"], source_note="?")
    assert list(Hazard.objects.values_list("chainage_m", "offset_m")) == before
    assert ImportRecord.objects.count() == 0 and River.objects.get(code="xiaotaihou").approximate
    apply_river(plan, user=cast["admin"], source_note="?", confirm_far=True)
    assert Hazard.objects.filter(offset_m__gt=600).count() == 3


def test_the_command_replaces_the_line_and_prints_how_far_each_hazard_moved(along_xth, cast, tmp_path):
    path = tmp_path / "xth.geojson"
    path.write_bytes(geojson_upload(surveyed_line(along_xth["river"])).read())
    out = io.StringIO()
    call_command("import_river", str(path), "--river", "xiaotaihou", "--source", "实测", "--dry-run", stdout=out)
    assert along_xth["hazards"][0].code in out.getvalue() and ImportRecord.objects.count() == 0
    call_command("import_river", str(path), "--river", "xiaotaihou", "--source", "实测", stdout=out)
    assert ImportRecord.objects.get().kind == "river"
    with pytest.raises(CommandError, match="No river"):
        call_command("import_river", str(path), "--river", "liangshui", stdout=out)


def test_the_admin_page_checks_then_replaces_the_line(along_xth, client_as):
    client = client_as("admin")
    url = reverse("hazards:import-river")
    page = client.post(url, {"file": geojson_upload(surveyed_line(along_xth["river"])), "river": "xiaotaihou",
                             "source_note": "实测", "action": "check"})
    assert page.status_code == 200 and along_xth["hazards"][1].code in page.content.decode()
    assert River.objects.get(code="xiaotaihou").approximate  # nothing written yet
    response = client.post(url, {"token": page.context["token"], "river": "xiaotaihou", "source_note": "实测",
                                 "action": "import"})
    assert response.status_code == 302 and not River.objects.get(code="xiaotaihou").approximate
    assert client.get(response["Location"]).status_code == 200


def test_a_file_with_two_separate_lines_is_refused(rivers):
    xth = rivers["xiaotaihou"]
    coords = surveyed_line(xth)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": part}}
        for part in (coords[:10], coords[20:])]}
    plan = plan_river(SimpleUploadedFile("two.geojson", json.dumps(data).encode()), xth)
    assert "separate lines" in plan.problems[0]
