"""No page, map layer, API, export or report asks the database once per object (no N+1).

Each view is requested with a few objects of every kind, then with ten times
as many (hazards with work orders, progress and photos from generate_hazards,
patrols with checks, plans with shelters and routes, drills, a tour's stops),
and must make the same number of queries both times. Counts, never times:
speed is measured by `make bench`.
"""

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import LineString, MultiLineString
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hazards import generate, tiles
from hazards.models import (
    Drill,
    EvacuationPlan,
    EvacuationRoute,
    Hazard,
    Patrol,
    PatrolCheck,
    River,
    Shelter,
    Tour,
    Village,
    WorkOrder,
)

FEW, MANY = 2, 20


def add_objects(n, seed):
    """n more of everything a list shows."""
    generate.generate(n, seed=seed)
    inspector = User.objects.get(username="inspector")
    river = River.objects.get(code="xiaotaihou")
    hazards = list(Hazard.objects.filter(river=river).order_by("-pk")[:n])
    for i in range(n):
        track = LineString([river.point_at(c, offset_m=20).coords for c in range(1000 + 50 * i, 3001, 100)], srid=4326)
        patrol = Patrol(river=river, inspector=inspector, source="drawn", date=timezone.localdate(),
                        track=MultiLineString(track, srid=4326))
        patrol.save()
        for hazard in hazards[:2]:
            PatrolCheck.objects.create(patrol=patrol, hazard=hazard, observation="Still there")
    for village in Village.objects.filter(evacuation_plan=None)[:max(1, n // 4)]:
        plan = EvacuationPlan.objects.create(village=village, people_at_risk=100, households_at_risk=40,
                                             trigger_level="orange", reviewed_on=timezone.localdate())
        Shelter.objects.create(plan=plan, name="School", location=village.geom.centroid, capacity=200)
        EvacuationRoute.objects.create(plan=plan, name="Road", path=LineString(
            village.geom.centroid.coords, (village.geom.centroid.x + 0.01, village.geom.centroid.y), srid=4326))
    for _ in range(n):
        drill = Drill.objects.create(date=timezone.localdate(), town=Village.objects.first().town, kind="evacuation",
                                     scenario="Flood", organiser="Town", participants=20, duration_minutes=45)
        drill.villages.set(Village.objects.all()[:2])
    tour, _ = Tour.objects.get_or_create(name="Before the season", defaults={"created_by": inspector})
    tour.hazards.add(*Hazard.objects.order_by("pk")[:Hazard.objects.count()])


def first(model):
    return model.objects.order_by("pk").first().pk


# Each view: its URL, given the objects (a function, for URLs that name one).
VIEWS = {
    "hazard list": lambda: reverse("hazards:list"),
    "hazard list, filtered": lambda: reverse("hazards:list") + "?min_risk=moderate&open=true&sort=risk",
    "map": lambda: reverse("hazards:map"),
    "hazard page": lambda: Hazard.objects.filter(work_orders__isnull=False).order_by("pk").first().get_absolute_url(),
    "work orders": lambda: reverse("hazards:work-orders"),
    "my work orders": lambda: reverse("hazards:my-work-orders"),
    "work order page": lambda: WorkOrder.objects.filter(updates__isnull=False).order_by("pk").first().get_absolute_url(),
    "patrols": lambda: reverse("hazards:patrols"),
    "patrol page": lambda: reverse("hazards:patrol", args=[first(Patrol)]),
    "plans": lambda: reverse("hazards:plans"),
    "plan page": lambda: reverse("hazards:plan", args=[first(EvacuationPlan)]),
    "drills": lambda: reverse("hazards:drills"),
    "drill page": lambda: reverse("hazards:drill", args=[first(Drill)]),
    "readiness": lambda: reverse("hazards:readiness"),
    "readiness, not ready": lambda: reverse("hazards:readiness") + "?show=not_ready",
    "dashboard": lambda: reverse("hazards:dashboard"),
    "work orders due this week": lambda: reverse("hazards:work-orders") + "?due_within=7",
    "citizen reports, open": lambda: reverse("hazards:citizen-reports") + "?show=open",
    "tours": lambda: reverse("hazards:tours"),
    "tour page": lambda: reverse("hazards:tour", args=[first(Tour)]),
    "API hazards": lambda: reverse("hazards:api-hazards"),
    "API hazard": lambda: reverse("hazards:api-hazard", args=[Hazard.objects.filter(
        work_orders__status="in_progress").order_by("pk").first().code]),
    "API work orders": lambda: reverse("hazards:api-work-orders"),
    "API coverage": lambda: reverse("hazards:api-coverage") + "?days=30",
    "API plans": lambda: reverse("hazards:api-plans"),
    "GeoJSON tile, clusters": lambda: reverse("hazards:tiles-geojson", args=[0, 0, 0]),
    "GeoJSON tile, points": lambda: tile_url("tiles-geojson"),
    "export hazards CSV": lambda: reverse("hazards:export-hazards", args=["csv"]),
    "export hazards GeoJSON": lambda: reverse("hazards:export-hazards", args=["geojson"]),
    "export hazards KML": lambda: reverse("hazards:export-hazards", args=["kml"]),
    "export hazards XLSX": lambda: reverse("hazards:export-hazards", args=["xlsx"]),
    "export work orders CSV": lambda: reverse("hazards:export-work-orders", args=["csv"]),
    "export coverage CSV": lambda: reverse("hazards:export-coverage", args=["csv"]) + "?days=30",
    "risk list CSV": lambda: reverse("hazards:risk-list-csv"),
    "admin hazards": lambda: reverse("admin:hazards_hazard_changelist"),
    "admin work orders": lambda: reverse("admin:hazards_workorder_changelist"),
    "admin patrols": lambda: reverse("admin:hazards_patrol_changelist"),
    "admin hazard history": lambda: reverse("admin:hazards_hazard_history", args=[first(Hazard)]),
}


def tile_url(name, z=tiles.POINTS_ZOOM):
    """The tile at zoom z holding the first hazard (and its neighbours, as more are added)."""
    hazard = Hazard.objects.order_by("pk").first()
    span = 2 ** 30 >> z
    return reverse(f"hazards:{name}", args=[z, hazard.map_x // span, hazard.map_y // span])


def queries(client, url):
    """The queries of a second request (the first asks what a new connection asks once: SpatiaLite's version),
    with no tile cached."""
    client.get(url)
    tiles.tile_cache().clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context)


@pytest.mark.parametrize("view", VIEWS)
def test_the_view_asks_the_database_as_often_for_twenty_objects_as_for_two(view, demo, client, settings):
    settings.REPORT_MAX_STOPS = 10_000
    # An admin who is also an assigned engineer sees every page, "my work orders" included.
    admin = User.objects.get(username="admin")
    add_objects(FEW, seed=1)
    for order in WorkOrder.objects.all():
        order.engineers.add(admin)
    admin.groups.add(*User.objects.get(username="engineer").groups.all())
    client.force_login(admin)
    url = VIEWS[view]()
    few = queries(client, url)
    add_objects(MANY - FEW, seed=2)
    for order in WorkOrder.objects.all():
        order.engineers.add(admin)
    assert queries(client, url) == few


@pytest.mark.skipif(connection.vendor != "postgresql", reason="vector tiles need PostGIS (ST_AsMVT)")
@pytest.mark.parametrize("z", [0, tiles.POINTS_ZOOM])
def test_a_vector_tile_asks_as_often_for_twenty_hazards_as_for_two(z, demo, client):
    client.force_login(User.objects.get(username="leader"))
    add_objects(FEW, seed=1)
    url = tile_url("tiles-mvt", z)
    few = queries(client, url)
    add_objects(MANY - FEW, seed=2)
    assert queries(client, url) == few
