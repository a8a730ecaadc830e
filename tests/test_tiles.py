"""The map's hazard tiles: clusters and markers, filters, the cache and when it is stale, vector tiles on PostGIS."""

import math

import pytest
from django.db import connection
from django.urls import reverse

from hazards import generate, geo, services, tiles
from hazards.models import Hazard

from . import hostile
from .conftest import make_hazard


def tile_of(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return z, int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


def geojson(client, z, x, y, query=""):
    response = client.get(reverse("hazards:tiles-geojson", args=[z, x, y]) + query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()["features"]


@pytest.fixture
def many(rivers):
    generate.generate(600, seed=5)
    return list(Hazard.objects.all())


def test_the_world_tile_counts_every_hazard_and_a_filter_counts_only_its_own(many, client_as):
    client = client_as("leader")
    assert sum(f["properties"]["count"] for f in geojson(client, 0, 0, 0)) == 600
    majors = sum(f["properties"]["count"] for f in geojson(client, 0, 0, 0, "?risk_level=major"))
    assert majors == Hazard.objects.filter(risk_level="major").count() > 0
    assert {f["properties"]["risk"] for f in geojson(client, 0, 0, 0, "?risk_level=major")} == {"major"}


def test_clusters_at_low_zoom_hold_every_hazard_of_their_tiles_once(many, client_as):
    client = client_as("leader")
    z = 11
    by_tile = {}
    for hazard in many:
        by_tile.setdefault(tile_of(hazard.location.x, hazard.location.y, z), []).append(hazard)
    for (z, x, y), inside in by_tile.items():
        clusters = geojson(client, z, x, y)
        assert sum(c["properties"]["count"] for c in clusters) == len(inside)
        # A cluster is coloured by its worst hazard.
        worst = max(inside, key=lambda h: Hazard.RISK_RANK[h.risk_level]).risk_level
        assert Hazard.RISK_RANK[worst] == max(Hazard.RISK_RANK[c["properties"]["risk"]] for c in clusters)
        west, south, east, north = geo.lonlat_of_web_pixel(x * 2 ** 19, (y + 1) * 2 ** 19) + \
            geo.lonlat_of_web_pixel((x + 1) * 2 ** 19, y * 2 ** 19)
        for cluster in clusters:
            lon, lat = cluster["geometry"]["coordinates"]
            assert west <= lon <= east and south <= lat <= north


def test_from_the_markers_zoom_every_hazard_is_its_own_marker_with_its_code_and_risk(many, client_as):
    client = client_as("leader")
    hazard = many[0]
    z, x, y = tile_of(hazard.location.x, hazard.location.y, tiles.POINTS_ZOOM)
    markers = {f["properties"]["code"]: f for f in geojson(client, z, x, y)}
    marker = markers[hazard.code]
    assert marker["properties"] == {"count": 1, "risk": hazard.risk_level, "code": hazard.code}
    lon, lat = marker["geometry"]["coordinates"]
    assert geo.distance_m(hazard.location, type(hazard.location)(lon, lat, srid=4326)) < 0.1


def test_a_tile_is_cached_until_a_hazard_changes(rivers, client_as, django_capture_on_commit_callbacks):
    client = client_as("inspector")
    hazard = make_hazard(rivers["xiaotaihou"], 1800, kind="debris", blockage_pct=5)
    assert [f["properties"]["risk"] for f in geojson(client, 0, 0, 0)] == ["low"]
    Hazard.objects.filter(pk=hazard.pk).update(risk_level="major")  # behind the app's back: the tile is not redone
    assert [f["properties"]["risk"] for f in geojson(client, 0, 0, 0)] == ["low"]
    hazard.refresh_from_db()
    hazard.in_main_channel, hazard.blockage_pct = True, 40
    with django_capture_on_commit_callbacks(execute=True):
        services.hazard_save(hazard=hazard, user=None, version=hazard.version)
    assert [f["properties"]["risk"] for f in geojson(client, 0, 0, 0)] == ["major"]
    with django_capture_on_commit_callbacks(execute=True):
        make_hazard(rivers["xiaotaihou"], 3000)
    assert sum(f["properties"]["count"] for f in geojson(client, 0, 0, 0)) == 2


def test_generating_hazards_makes_cached_tiles_stale(rivers, client_as, django_capture_on_commit_callbacks):
    client = client_as("leader")
    assert geojson(client, 0, 0, 0) == []
    with django_capture_on_commit_callbacks(execute=True):
        generate.generate(30)
    assert sum(f["properties"]["count"] for f in geojson(client, 0, 0, 0)) == 30


def test_bad_tiles_and_filters_get_an_answer_not_a_500(rivers, client_as):
    client = client_as("leader")
    client.raise_request_exception = False
    assert client.get("/tiles/hazards/3/8/0.geojson").status_code == 404  # x beyond 2**z
    assert client.get("/tiles/hazards/40/0/0.geojson").status_code == 404
    assert client.get("/tiles/hazards/99999999999999999999999/0/0.geojson").status_code == 404
    assert client.get("/tiles/hazards/0/0/0.geojson?risk_level=purple").status_code == 400
    failures = []
    for name in ["river", "status", "risk_level", "kind", "bbox", "town", "min_risk", "open", "overdue"]:
        for value in hostile.IDS + hostile.NUMBERS + hostile.BBOXES + hostile.TEXT_REFUSED[1:] + hostile.TEXT_ESCAPED:
            for fmt in ("geojson", "pbf"):
                if client.get(f"/tiles/hazards/0/0/0.{fmt}", {name: value}).status_code >= 500:
                    failures.append(f"{fmt} {name}={value[:40]!r}")
    assert failures == []


def test_tiles_need_a_role(rivers, client, client_as):
    assert client.get("/tiles/hazards/0/0/0.geojson").status_code == 401
    assert client_as("stranger").get("/tiles/hazards/0/0/0.geojson").status_code == 403


def test_the_map_is_told_which_tiles_this_server_makes(rivers, client_as):
    config = client_as("leader").get(reverse("hazards:map")).context["map_config"]["hazardLayer"]
    if connection.vendor == "postgresql":
        assert config["mode"] == "mvt" and config["url"] == "/tiles/hazards/{z}/{x}/{y}.pbf"
    else:
        assert config["mode"] == "geojson" and config["url"] == "/tiles/hazards/{z}/{x}/{y}.geojson"
    assert config["detailUrl"] == "/api/hazards/CODE/"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SpatiaLite only")
def test_spatialite_says_vector_tiles_need_postgis(rivers, client_as):
    response = client_as("leader").get("/tiles/hazards/0/0/0.pbf")
    assert response.status_code == 404 and "PostGIS" in response.json()["error"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="vector tiles need PostGIS (ST_AsMVT)")
def test_a_vector_tile_holds_what_the_geojson_tile_holds(many, client_as):
    import mapbox_vector_tile

    client = client_as("leader")
    for z, x, y in [(0, 0, 0), tile_of(many[0].location.x, many[0].location.y, 11),
                    tile_of(many[0].location.x, many[0].location.y, tiles.POINTS_ZOOM)]:
        response = client.get(reverse("hazards:tiles-mvt", args=[z, x, y]))
        assert response.status_code == 200 and response["Content-Type"] == "application/vnd.mapbox-vector-tile"
        layer = mapbox_vector_tile.decode(response.content)["hazards"]
        assert layer["extent"] == tiles.EXTENT
        features = geojson(client, z, x, y)
        mvt = sorted((f["properties"]["count"], f["properties"]["risk"], f["properties"].get("code")) for f in layer["features"])
        expected = sorted((f["properties"]["count"], f["properties"]["risk"], f["properties"].get("code")) for f in features)
        if z < tiles.POINTS_ZOOM:
            assert mvt == expected
        else:  # a vector tile also draws the markers just over its edges
            assert set(expected) <= set(mvt)
        # Positions in tile units (y down from the tile's top, as decode gives them flipped back up).
        for feature in layer["features"]:
            if feature["properties"].get("code") == many[0].code:
                px, py = feature["geometry"]["coordinates"]
                span = 2 ** 30 >> z
                assert abs(px - (many[0].map_x - x * span) * tiles.EXTENT / span) <= 1
                assert abs((tiles.EXTENT - py) - (many[0].map_y - y * span) * tiles.EXTENT / span) <= 1


def test_every_geometry_column_has_its_spatial_index(db):
    """A bbox must be an index lookup on both databases (SpatiaLite loses its index when a table is remade)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT f_table_name, f_geometry_column FROM geometry_columns WHERE f_table_schema = 'public'")
            columns = cursor.fetchall()
            cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
            indexed = {(table, column) for table, definition in cursor.fetchall() for _t, column in columns
                       if table == _t and f"({column})" in definition}
            assert set(columns) == indexed
        else:
            cursor.execute("SELECT f_table_name, f_geometry_column, spatial_index_enabled FROM geometry_columns "
                           "WHERE f_table_name LIKE 'hazards_%'")
            rows = cursor.fetchall()
            assert rows and all(enabled == 1 for _t, _c, enabled in rows), rows


def test_a_bbox_on_spatialite_reads_the_spatial_index(rivers, client_as):
    hazard = make_hazard(rivers["xiaotaihou"], 1800)
    make_hazard(rivers["chaobai"], 20000)
    x, y = hazard.location.x, hazard.location.y
    features = client_as("leader").get(f"/api/hazards/?bbox={x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}").json()
    assert [f["properties"]["code"] for f in features["features"]] == [hazard.code]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # the hazards are in the R*Tree, found by the same search
            cursor.execute("SELECT count(*) FROM idx_hazards_hazard_location WHERE xmin <= %s AND xmax >= %s "
                           "AND ymin <= %s AND ymax >= %s", [x + 0.001, x - 0.001, y + 0.001, y - 0.001])
            assert cursor.fetchone()[0] == 1


def test_progress_on_an_order_keeps_the_tiles_but_those_of_overdue_orders(demo, client, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    from hazards.models import WorkOrder

    client.force_login(User.objects.get(username="leader"))
    order = WorkOrder.objects.get(title="潮白河漫水桥桥墩拆除")  # ten days overdue in the demo
    overdue = sum(f["properties"]["count"] for f in geojson(client, 0, 0, 0, "?overdue=true"))
    assert overdue >= 1
    before = tiles.generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_create(order_id=order.pk, user=order.engineers.first(), percent=100,
                                        note="done", version=order.version)
    assert tiles.generation() == before  # the hazard's status did not change: its tiles stand
    assert sum(f["properties"]["count"] for f in geojson(client, 0, 0, 0, "?overdue=true")) == overdue - 1
