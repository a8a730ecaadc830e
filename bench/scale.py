"""Floodwatch at scale (issue 10): N generated hazards (100,000 by default, BENCH_SCALE_N), then the map and API
figures beside their targets or a baseline measured in the same run, then the load test (bench/load.py).

Run with `make bench` (or `python -m bench.scale`), on SpatiaLite or, with DATABASE_URL, PostGIS. Prints a
table and writes it as JSON to var/bench/scale-<database>-<N>.json.
"""

import json
import os
import platform
import random
import statistics
import time

from bench import best_of, setup_django

N = int(os.environ.get("BENCH_SCALE_N", "100000"))
API_HAZARDS = 10_000
BBOX_HAZARDS = 1_000
CHAINAGE_POINTS = 10_000
OUT_DIR = "var/bench"


class Table:
    """Rows of (what, figure, unit, baseline or target, met), printed and written as JSON."""

    def __init__(self, title):
        self.title, self.rows = title, []

    def add(self, what, value, unit="ms", *, target=None, baseline=None, met=None, note=""):
        if met is None and target is not None:
            met = value <= target
        self.rows.append({"what": what, "value": round(value, 1), "unit": unit, "target": target,
                          "baseline": None if baseline is None else round(baseline, 1), "met": met, "note": note})
        goal = (f"target {target:g} {unit}" if target is not None else "") + \
               (f"{', ' if target is not None else ''}baseline {baseline:.1f} {unit}" if baseline is not None else "")
        verdict = {True: "met", False: "MISSED", None: ""}[met]
        print(f"  {what:58} {value:10.1f} {unit:4} {goal:34} {verdict} {note}", flush=True)


def timed(function):
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000, result


def raw_sql(connection, last_pk):
    """The baseline: one hand-written query returning each hazard's geometry and the same values (river, town and
    village names joined, the latest thumbnail), and one for their open work orders; rows fetched, nothing joined
    into a document."""
    geojson = "ST_AsGeoJSON" if connection.vendor == "postgresql" else "AsGeoJSON"
    hazards = f"""
        SELECT {geojson}(h.location, 6, 0), h.id, h.code, h.title, r.code, h.chainage_m, h.kind, h.in_main_channel,
               h.blockage_pct, h.risk_level, h.status, t.name_zh, t.name_en, v.name_zh, v.name_en, h.updated_at,
               (SELECT p.thumbnail FROM hazards_hazardphoto p WHERE p.hazard_id = h.id
                ORDER BY p.created_at DESC, p.id DESC LIMIT 1)
        FROM hazards_hazard h JOIN hazards_river r ON r.id = h.river_id
        LEFT JOIN hazards_town t ON t.id = h.town_id LEFT JOIN hazards_village v ON v.id = h.village_id
        WHERE h.id <= %s ORDER BY r.sort_order, r.code, h.chainage_m, h.code"""
    orders = """
        SELECT w.id, w.hazard_id, w.title, w.progress_pct, w.status, w.deadline FROM hazards_workorder w
        WHERE w.status <> 'accepted' AND w.hazard_id IN (SELECT id FROM hazards_hazard WHERE id <= %s)
        ORDER BY w.deadline, w.id"""

    def run():
        with connection.cursor() as cursor:
            cursor.execute(hazards, [last_pk])
            rows = cursor.fetchall()
            cursor.execute(orders, [last_pk])
            return rows, cursor.fetchall()

    return run


def bbox_with(center, count):
    """A square around a point holding about `count` hazards."""
    from hazards.filters import in_bbox
    from hazards.models import Hazard

    low, high = 0.0001, 0.5
    for _ in range(30):
        half = (low + high) / 2
        box = (center.x - half, center.y - half, center.x + half, center.y + half)
        found = in_bbox(Hazard.objects.all(), box).count()
        if abs(found - count) < count * 0.05:
            break
        low, high = (half, high) if found < count else (low, half)
    return box, found


def generate_hazards(table, connection):
    from django.core.management import call_command

    from hazards import generate

    call_command("load_gis_data", verbosity=0)
    call_command("load_demo", verbosity=0)
    ms, counts = timed(lambda: generate.generate(N, seed=10, progress=lambda text: print(f"    {text}", flush=True)))
    table.add("generate_hazards N", ms / 1000, "s", note=f"({counts})")
    with connection.cursor() as cursor:  # as autovacuum would, soon after a load this size
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def api(table, connection, client):
    from hazards.api import feature_collection, hazard_features
    from hazards.models import Hazard

    last = Hazard.objects.order_by("pk").values_list("pk", flat=True)[API_HAZARDS - 1]
    queryset = Hazard.objects.filter(pk__lte=last)
    base_ms, (rows, _orders) = best_of(raw_sql(connection, last), repeat=5)
    ours_ms, body = best_of(lambda: feature_collection(hazard_features(queryset)), repeat=5)
    assert len(rows) == API_HAZARDS
    table.add(f"/api/hazards/, {API_HAZARDS:,} hazards", ours_ms, baseline=base_ms, met=ours_ms <= 1.5 * base_ms,
              note=f"{ours_ms / base_ms:.2f}x the raw SQL (target 1.5x), {len(body) / 1e6:.1f} MB")
    center = Hazard.objects.filter(river__code="chaobai").order_by("chainage_m")[N // 3].location
    box, found = bbox_with(center, BBOX_HAZARDS)
    url = "/api/hazards/?bbox=" + ",".join(f"{v:.6f}" for v in box)
    ms, response = best_of(lambda: client.get(url), repeat=5)
    features = len(json.loads(response.content)["features"])
    table.add(f"/api/hazards/?bbox= returning about {BBOX_HAZARDS:,}", ms, target=50, note=f"({features:,} of {N:,})")


def tiles_speed(table, connection, client):
    from django.urls import reverse

    from hazards import tiles
    from hazards.models import Hazard

    fmt = "mvt" if tiles.vector_tiles_available() else "geojson"
    hazards = list(Hazard.objects.filter(river__code="chaobai").order_by("chainage_m")[N // 4: N // 4 + 1000: 100])
    for zooms, label in (((9, 10, 11, 12), "low zoom, clusters"), ((13, 14, 15), "mid zoom, clusters"),
                         ((16, 17, 18), "markers")):
        cold, warm, sizes = [], [], []
        for z in zooms:
            span = 2 ** 30 >> z
            for x, y in {(h.map_x // span, h.map_y // span) for h in hazards}:
                url = reverse(f"hazards:tiles-{fmt}", args=[z, x, y])
                tiles.tile_cache().clear()
                ms, response = timed(lambda url=url: client.get(url))
                cold.append(ms)
                sizes.append(len(response.content))
                warm.append(timed(lambda url=url: client.get(url))[0])
        table.add(f"tile, {label}, cold (median)", statistics.median(cold), target=50, note=f"({fmt}, {len(cold)} tiles)")
        table.add(f"tile, {label}, cold (slowest)", max(cold), target=50, note=f"({max(sizes):,} bytes at most)")
        table.add(f"tile, {label}, cached (median)", statistics.median(warm), target=50)


def pages(table, client):
    from hazards.models import Hazard, WorkOrder

    hazard = Hazard.objects.filter(work_orders__updates__isnull=False).order_by("pk").first()
    order = WorkOrder.objects.filter(updates__isnull=False).order_by("pk").first()
    for label, url in (
        ("hazard list, first page", "/hazards/"),
        ("hazard list, open and orange or red, by risk", "/hazards/?min_risk=high&open=true&sort=risk"),
        ("hazard list, page 200", "/hazards/?page=200"),
        ("hazard list, one town, overdue", f"/hazards/?town={hazard.town.code}&overdue=true" if hazard.town else "/hazards/?overdue=true"),
        ("hazard page, with works and history", hazard.get_absolute_url()),
        ("work-order list, first page", "/work-orders/"),
        ("work-order page, with progress", order.get_absolute_url()),
        ("map page", "/"),
    ):
        ms, response = best_of(lambda url=url: client.get(url), repeat=3)
        assert response.status_code == 200, (url, response.status_code)
        table.add(f"{label}", ms, target=100)


def chainage(table):
    from django.contrib.gis.geos import Point

    from hazards import geo
    from hazards.models import River

    river = River.objects.get(code="chaobai")
    rng = random.Random(3)
    lonlat = [(p.x, p.y) for p in (river.point_at(rng.uniform(0, river.length_m), offset_m=rng.uniform(0, 400),
                                                  bank=rng.choice(["left", "right"])) for _ in range(CHAINAGE_POINTS))]
    ours, _ = best_of(lambda: geo.locate_xy(river.centerline, geo.metric_xy(lonlat)), repeat=5)
    base, _ = best_of(lambda: [geo.locate(river.centerline, Point(x, y, srid=4326)) for x, y in lonlat], repeat=1)
    table.add(f"chainage of {CHAINAGE_POINTS:,} points, vectorised", ours, target=100, baseline=base,
              note="(baseline: one point at a time)")


def main():
    connection = setup_django()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    settings.DEBUG = False  # as served: no query log
    vendor = "PostGIS" if connection.vendor == "postgresql" else "SpatiaLite"
    table = Table(f"Scale: {N:,} hazards ({vendor}, {os.cpu_count()} cores)")
    print(table.title, flush=True)
    generate_hazards(table, connection)
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    api(table, connection, client)
    tiles_speed(table, connection, client)
    pages(table, client)
    chainage(table)
    from bench import load

    load.run(table, connection)
    os.makedirs(OUT_DIR, exist_ok=True)
    path = f"{OUT_DIR}/scale-{vendor.lower()}-{N}.json"
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"title": table.title, "database": vendor, "hazards": N, "cores": os.cpu_count(),
                   "python": platform.python_version(), "when": time.strftime("%Y-%m-%d %H:%M"), "rows": table.rows},
                  out, ensure_ascii=False, indent=1)
    print(f"  (written to {path})")


if __name__ == "__main__":
    main()
