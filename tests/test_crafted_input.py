"""Crafted input that used to end in a 500: each gets a 400 or a form error, and nothing is written.

Unicode digits pass str.isdigit() but not int(); a number past 2**63 overflows
SQLite; GDAL cannot project latitude 0, longitude 27 into the district's
Gauss-Kruger zone; a GPX time in year 9999 overflows when made local.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hazards.models import EvacuationPlan, EvacuationRoute, Hazard, Patrol, Shelter, Tour, Village

from .conftest import jpeg
from .test_patrols import DATA
from .test_readiness_plans import BAIMIAO, HALL, plan_data, route
from .test_readiness_plans import errors as plan_errors

NOT_IDS = ["²", "٣", "99999999999999999999999", "-1", "1.0", " 1"]
GDAL_REFUSES = (0.0, 27.0)  # latitude, longitude: outside the projection domain of EPSG:4548


def form_errors(response):
    return " ".join(str(e) for errs in response.context["form"].errors.values() for e in errs)


# Ids in query strings

@pytest.mark.parametrize("value", NOT_IDS)
def test_a_plan_that_is_not_an_id_gets_a_400_from_the_plans_layer(client_as, rivers, value):
    response = client_as("leader").get(reverse("hazards:api-plans"), {"plan": value})
    assert response.status_code == 400
    assert response.json() == {"errors": {"plan": "plan is not the number of any evacuation plan."}}


@pytest.mark.parametrize("name", ["hazards:risk-list-pdf", "hazards:risk-list-csv"])
@pytest.mark.parametrize("value", NOT_IDS)
def test_a_tour_that_is_not_an_id_gets_a_400_from_the_risk_lists(client_as, rivers, name, value):
    response = client_as("leader").get(reverse(name), {"tour": value})
    assert response.status_code == 400
    assert "tour: tour is not the number of any inspection tour." in response.content.decode()
    assert not Tour.objects.exists()


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_village_that_is_not_an_id_gets_a_400_from_the_new_plan_page(client_as, rivers, value):
    assert client_as("inspector").get(reverse("hazards:plan-create"), {"village": value}).status_code == 400


def test_real_ids_still_work(client_as, rivers):
    baimiao = Village.objects.get(name_en="Baimiao")
    page = client_as("inspector").get(reverse("hazards:plan-create"), {"village": baimiao.pk})
    assert page.status_code == 200 and page.context["form"]["village"].value() == baimiao.pk
    assert client_as("leader").get(reverse("hazards:api-plans"), {"plan": "7"}).json()["features"] == []
    assert client_as("leader").get(reverse("hazards:risk-list-csv"), {"tour": "7"}).status_code == 404


# Points GDAL cannot project

def test_a_hazard_at_latitude_0_longitude_27_is_outside_the_district(client_as, rivers):
    response = client_as("inspector").post(reverse("hazards:create"), {
        "title": "Culvert", "kind": "culvert", "blockage_pct": "40", "status": "reported",
        "latitude": GDAL_REFUSES[0], "longitude": GDAL_REFUSES[1]})
    assert response.status_code == 200
    assert "The location (latitude 0.0, longitude 27.0) is outside Tongzhou district." in form_errors(response)
    assert not Hazard.objects.exists()


def test_a_photo_whose_gps_says_latitude_0_longitude_27_is_outside_the_district(client_as, rivers):
    response = client_as("inspector").post(reverse("hazards:create"), {
        "title": "Culvert", "kind": "culvert", "blockage_pct": "40", "status": "reported",
        "photos": [jpeg(gps=GDAL_REFUSES)]})
    assert response.status_code == 200 and "is outside Tongzhou district" in form_errors(response)
    assert not Hazard.objects.exists()


def test_a_shelter_at_latitude_0_longitude_27_is_refused(client_as, rivers):
    baimiao = Village.objects.get(name_en="Baimiao")
    response = client_as("inspector").post(reverse("hazards:plan-create"), plan_data(baimiao, shelters=[
        {"name": "Nowhere", "capacity": "50", "latitude": "0", "longitude": "27"}]))
    assert response.status_code == 200 and "The shelter must be in Tongzhou district." in plan_errors(response)
    assert not EvacuationPlan.objects.exists() and not Shelter.objects.exists()


def test_an_evacuation_route_through_latitude_0_longitude_27_is_refused(client_as, rivers):
    baimiao = Village.objects.get(name_en="Baimiao")
    response = client_as("inspector").post(reverse("hazards:plan-create"), plan_data(baimiao, routes=[
        {"name": "To the hall", "line": route(BAIMIAO, (27, 0), HALL)}]))
    assert response.status_code == 200
    assert ("1 of the 3 points of The route lie outside Tongzhou district, the first at latitude 0.00000, "
            "longitude 27.00000") in plan_errors(response)
    assert not EvacuationPlan.objects.exists() and not EvacuationRoute.objects.exists()


def test_a_patrol_drawn_through_latitude_0_longitude_27_is_refused(client_as, rivers):
    chaobai = rivers["chaobai"]
    line = [chaobai.point_at(5000).coords, (27, 0), chaobai.point_at(5500).coords]
    response = client_as("inspector").post(reverse("hazards:patrol-create"), {
        "drawn_track": json.dumps({"type": "LineString", "coordinates": line}), "date": timezone.localdate()})
    assert response.status_code == 200
    assert "1 of the 3 points of The line drawn on the map lie outside Tongzhou district" in form_errors(response)
    assert not Patrol.objects.exists()


def walk_gpx(edit):
    """The Xiaotaihou walk (a GPX fixture), edited."""
    content = edit((DATA / "xiaotaihou_k1_k4_walk.gpx").read_text(encoding="utf-8"))
    return SimpleUploadedFile("walk.gpx", content.encode(), content_type="application/gpx+xml")


def test_a_gpx_track_through_latitude_0_longitude_27_is_refused(client_as, rivers):
    upload = walk_gpx(lambda text: text.replace("<trkpt ", '<trkpt lat="0" lon="27"></trkpt><trkpt ', 1))
    response = client_as("inspector").post(reverse("hazards:patrol-create"), {"gpx": upload})
    assert response.status_code == 200 and "lie outside Tongzhou district" in form_errors(response)
    assert not Patrol.objects.exists()


def test_the_admin_refuses_a_hazard_at_latitude_0_longitude_27(client, cast, rivers):
    cast["admin"].is_staff = cast["admin"].is_superuser = True
    cast["admin"].save()
    client.force_login(cast["admin"])
    response = client.post(reverse("admin:hazards_hazard_add"), {
        "title": "Culvert", "kind": "culvert", "blockage_pct": "40", "status": "reported",
        "location": json.dumps({"type": "Point", "coordinates": [GDAL_REFUSES[1], GDAL_REFUSES[0]]}),
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert "is outside Tongzhou district" in response.content.decode()
    assert not Hazard.objects.exists()


# GPX times no patrol was walked at

@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59Z", "9999-12-31T20:00:00-08:00", "1999-12-31T23:00:00Z"])
def test_a_gpx_time_no_patrol_was_walked_at_is_refused(client_as, rivers, moment):
    upload = walk_gpx(lambda text: text.replace("<time>2026-11-20T01:00:12Z</time>", f"<time>{moment}</time>", 1))
    response = client_as("inspector").post(reverse("hazards:patrol-create"), {"gpx": upload})
    assert response.status_code == 200
    assert "walk.gpx has a point timed" in form_errors(response)
    assert "Check the phone's clock" in form_errors(response)
    assert not Patrol.objects.exists()
