"""The map's hazard layer in tiles, so that 100,000 hazards stay smooth (README, "Scale").

Tiles are addressed z/x/y as Leaflet asks for them (Web Mercator), filtered
like /api/hazards/ (hazards.filters.HazardFilter). Below POINTS_ZOOM the
hazards of each cell of CELL_PX pixels are one cluster (count, highest risk),
on a grid aligned with the tiles, so a cluster never straddles two; from
POINTS_ZOOM on, every hazard is its own marker. A marker carries only its
code and risk: the popup asks /api/hazards/<code>/ when it opens.

- PostGIS: Mapbox vector tiles (`.pbf`), built by ST_AsMVT around the same
  query.
- SpatiaLite, which has no ST_AsMVT (and PostGIS too): GeoJSON tiles
  (`.geojson`).

Tiles are cached (the "tiles" cache) under a generation that changes after
every committed change to a hazard (signals here; writers in bulk call
hazards_changed); tiles filtered by overdue orders also under the work
orders' generation and the day (an order becomes overdue with the date
alone).
"""

import hashlib
import json
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Max, Min
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone

from . import geo
from .filters import HazardFilter, filter_errors
from .models import Hazard, WorkOrder

POINTS_ZOOM = 16  # from this zoom on, every hazard is its own marker
CELL_PX = 32  # a cluster gathers the hazards of a cell this many pixels wide (256 / 32 = 8 cells a tile side)
MAX_ZOOM = 22
EXTENT = 4096  # vector tile units across a tile
BUFFER_PX = 12  # markers this close to a vector tile's edge are drawn in its neighbour too (no half circles)
MVT = "application/vnd.mapbox-vector-tile"
GENERATIONS = {"hazards": "hazard-tiles-generation", "orders": "hazard-tiles-orders-generation"}
RISKS = {rank: level for level, rank in Hazard.RISK_RANK.items()}


def tile_cache():
    return caches["tiles"]


def generation(of="hazards"):
    """The current generation of the hazards (or of the work orders); a new one after each change."""
    key = GENERATIONS[of]
    value = tile_cache().get(key)
    if value is None:
        tile_cache().add(key, uuid.uuid4().hex, timeout=None)
        value = tile_cache().get(key)
    return value


def hazards_changed(of="hazards"):
    """Make the cached tiles stale once the transaction that changed hazards (or work orders) has committed.

    A random value rather than a counter: two processes bumping at once can
    never both write the same number and lose a change. Work orders matter
    only to tiles filtered by overdue orders: progress reported all day long
    leaves the other tiles cached.
    """
    transaction.on_commit(lambda: tile_cache().set(GENERATIONS[of], uuid.uuid4().hex, timeout=None))


@receiver([post_save, post_delete], sender=Hazard)
def _hazard_changed(sender, **kwargs):
    hazards_changed()


@receiver([post_save, post_delete], sender=WorkOrder)
def _order_changed(sender, **kwargs):
    hazards_changed("orders")


def check_tile(z, x, y):
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise Http404("No such tile.")


def _span(z):
    """How many of geo.WEB_PIXELS (zoom 22 pixels) a tile at zoom z spans."""
    return geo.WEB_PIXELS >> z


def _in_tile(queryset, z, x, y, margin_px=0):
    """The hazards in a tile (and up to margin_px around it), through the map_x, map_y index: a
    hazard on the line between two tiles is in the one to its south-east, never in both."""
    span = _span(z)
    margin = span * margin_px // 256
    return queryset.filter(map_x__gte=x * span - margin, map_x__lt=(x + 1) * span + margin,
                           map_y__gte=y * span - margin, map_y__lt=(y + 1) * span + margin)


def clusters(queryset, z, x, y):
    """The hazards of a tile gathered by cell of CELL_PX pixels: {cx, cy, count, mx, my (mean pixel), rank, code}.

    Integer division of the stored pixels: the query reads only the covering
    index (hazard_map_tile_idx) when no filter asks for more.
    """
    cell = _span(z) * CELL_PX // 256
    return (
        _in_tile(queryset, z, x, y)
        .annotate(cx=F("map_x") / cell, cy=F("map_y") / cell)
        .order_by()
        .values("cx", "cy")
        .annotate(count=Count("*"), mx=Avg("map_x"), my=Avg("map_y"), rank=Max(Hazard.risk_rank_expression()),
                  code=Min("code"))
    )


def points(queryset, z, x, y, margin_px=0):
    """Every hazard of a tile, with only what its marker needs: code, risk and pixel."""
    return _in_tile(queryset, z, x, y, margin_px).order_by().values("code", "risk_level", "map_x", "map_y")


def geojson_tile(queryset, z, x, y):
    """A tile as a GeoJSON FeatureCollection: clusters below POINTS_ZOOM, hazards from it."""
    features = []
    if z >= POINTS_ZOOM:
        for row in points(queryset, z, x, y):
            features.append(_point(row["map_x"], row["map_y"], {"count": 1, "risk": row["risk_level"], "code": row["code"]}))
    else:
        for cell in clusters(queryset, z, x, y):
            properties = {"count": cell["count"], "risk": RISKS[cell["rank"]]}
            if cell["count"] == 1:
                properties["code"] = cell["code"]
            features.append(_point(cell["mx"], cell["my"], properties))
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


def _point(map_x, map_y, properties):
    lon, lat = geo.lonlat_of_web_pixel(float(map_x) + 0.5, float(map_y) + 0.5)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": properties}


def mvt_tile(queryset, z, x, y):
    """A tile as a Mapbox vector tile (ST_AsMVT), layer "hazards", with the GeoJSON tile's properties.

    Positions go in already in the tile's own units (EXTENT across, y down,
    as ST_AsMVTGeom would make them), from the stored pixels.
    """
    span = _span(z)
    if z >= POINTS_ZOOM:
        inner, params = points(queryset, z, x, y, margin_px=BUFFER_PX).query.sql_with_params()
        columns = "r.map_x AS px, r.map_y AS py, 1 AS count, r.risk_level AS risk, r.code AS code"
    else:
        inner, params = clusters(queryset, z, x, y).query.sql_with_params()
        ranks = " ".join(f"WHEN {rank} THEN '{level}'" for rank, level in RISKS.items())
        columns = (f"r.mx AS px, r.my AS py, r.count AS count, CASE r.rank {ranks} END AS risk, "
                   "CASE WHEN r.count = 1 THEN r.code END AS code")
    scale = EXTENT / span
    sql = (
        f"SELECT ST_AsMVT(t, 'hazards', {EXTENT}, 'geom') FROM ("
        f"SELECT ST_MakePoint(round((q.px - %s) * %s), round((q.py - %s) * %s)) AS geom, q.count, q.risk, q.code "
        f"FROM (SELECT {columns} FROM ({inner}) r) q) t"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [x * span, scale, y * span, scale, *params])
        return bytes(cursor.fetchone()[0] or b"")


def vector_tiles_available():
    return connection.vendor == "postgresql"


def _cache_key(fmt, z, x, y, filterset):
    """Tiles differ by format, address, filters (as cleaned, so junk parameters share a tile), data and day."""
    filters = urlencode(sorted((name, str(value)) for name, value in filterset.form.cleaned_data.items()
                               if value not in (None, "", [])), doseq=True)
    digest = hashlib.sha256(filters.encode()).hexdigest()[:24]
    orders = generation("orders") if filterset.form.cleaned_data.get("overdue") is not None else "-"
    return f"hazard-tile:{generation()}:{orders}:{timezone.localdate()}:{fmt}:{z}/{x}/{y}:{digest}"


def tile_response(request, fmt, z, x, y):
    """A tile for the map, from the cache when nothing changed since it was made."""
    check_tile(z, x, y)
    filterset = HazardFilter(request.GET, queryset=Hazard.objects.all())
    if not filterset.is_valid():
        return JsonResponse({"errors": filter_errors(filterset)}, status=400)
    key = _cache_key(fmt, z, x, y, filterset)
    body = tile_cache().get(key)
    if body is None:
        body = mvt_tile(filterset.qs, z, x, y) if fmt == "pbf" else geojson_tile(filterset.qs, z, x, y).encode()
        tile_cache().set(key, body, timeout=settings.TILE_CACHE_SECONDS)
    return HttpResponse(body, content_type=MVT if fmt == "pbf" else "application/geo+json")


def map_layer_config():
    """What the map needs to pick its hazard layer: vector tiles on PostGIS, GeoJSON tiles elsewhere."""
    from django.urls import reverse

    mode = "mvt" if vector_tiles_available() else "geojson"
    url = reverse(f"hazards:tiles-{mode}", args=[0, 0, 0]).replace("/0/0/0.", "/{z}/{x}/{y}.")
    return {"mode": mode, "url": url, "pointsZoom": POINTS_ZOOM,
            "countUrl": reverse("hazards:tiles-geojson", args=[0, 0, 0]),
            "detailUrl": reverse("hazards:api-hazard", args=["CODE"])}

