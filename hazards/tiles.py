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
every committed change to a hazard or a work order (signals here; writers in
bulk call hazards_changed), and under the day (overdue orders change with the
date alone).
"""

import hashlib
import json
import math
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Avg, Count, FloatField, Func, Max, Min
from django.db.models.functions import Cos, Floor, Ln, Pi, Radians, Tan
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone

from .filters import HazardFilter, filter_errors, in_bbox
from .models import Hazard, WorkOrder

POINTS_ZOOM = 16  # from this zoom on, every hazard is its own marker
CELL_PX = 32  # a cluster gathers the hazards of a cell this many pixels wide (256 / 32 = 8 cells a tile side)
MAX_ZOOM = 22
EXTENT = 4096  # vector tile units across a tile
BUFFER_PX = 12  # markers this close to a vector tile's edge are drawn in its neighbour too (no half circles)
MVT = "application/vnd.mapbox-vector-tile"
GENERATION_KEY = "hazard-tiles-generation"
RISKS = {rank: level for level, rank in Hazard.RISK_RANK.items()}


def tile_cache():
    return caches["tiles"]


def generation():
    """The current generation of hazard data; a new one after each change."""
    value = tile_cache().get(GENERATION_KEY)
    if value is None:
        value = uuid.uuid4().hex
        tile_cache().add(GENERATION_KEY, value, timeout=None)
        value = tile_cache().get(GENERATION_KEY, value)
    return value


def hazards_changed():
    """Make every cached tile stale, once the transaction that changed hazards has committed.

    A random value rather than a counter: two processes bumping at once can
    never both write the same number and lose a change.
    """
    transaction.on_commit(lambda: tile_cache().set(GENERATION_KEY, uuid.uuid4().hex, timeout=None))


@receiver([post_save, post_delete], sender=Hazard)
@receiver([post_save, post_delete], sender=WorkOrder)
def _changed(sender, **kwargs):
    hazards_changed()


def tile_bounds(z, x, y):
    """(west, south, east, north) of a tile in degrees."""
    n = 2 ** z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def check_tile(z, x, y):
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise Http404("No such tile.")


class _X(Func):
    function = "ST_X"
    output_field = FloatField()


class _Y(Func):
    function = "ST_Y"
    output_field = FloatField()


def _cell_columns(z):
    """The column and row of each hazard's cell at zoom z, counted from the world's north-west corner."""
    cells = 256 * 2 ** z / CELL_PX
    lat = Radians(_Y("location"))
    column = Floor((_X("location") + 180.0) / 360.0 * cells)
    # Web Mercator's y: ln(tan(lat) + sec(lat)), as Leaflet projects.
    row = Floor((1.0 - Ln(Tan(lat) + 1.0 / Cos(lat)) / Pi()) / 2.0 * cells)
    return column, row


def clusters(queryset, z, x, y):
    """The hazards of a tile gathered by cell: {lon, lat, count, risk, code (for a cell of one)}, as a query."""
    per_tile = 256 // CELL_PX
    column, row = _cell_columns(z)
    return (
        in_bbox(queryset, tile_bounds(z, x, y))
        .annotate(cx=column, cy=row)
        .filter(cx__gte=x * per_tile, cx__lt=(x + 1) * per_tile, cy__gte=y * per_tile, cy__lt=(y + 1) * per_tile)
        .order_by()
        .values("cx", "cy")
        .annotate(count=Count("pk"), lon=Avg(_X("location")), lat=Avg(_Y("location")),
                  rank=Max(Hazard.risk_rank_expression()), code=Min("code"))
    )


def points(queryset, z, x, y, margin_px=0):
    """Every hazard of a tile (and up to margin_px around it), with only what a marker needs."""
    west, south, east, north = tile_bounds(z, x, y)
    dx, dy = (east - west) * margin_px / 256, (north - south) * margin_px / 256
    rows = in_bbox(queryset, (west - dx, south - dy, east + dx, north + dy))
    if not margin_px:  # each hazard in exactly one tile: the one its cell lies in
        column, row = _cell_columns(z)
        per_tile = 256 // CELL_PX
        rows = rows.annotate(cx=column, cy=row).filter(
            cx__gte=x * per_tile, cx__lt=(x + 1) * per_tile, cy__gte=y * per_tile, cy__lt=(y + 1) * per_tile)
    return rows.order_by().values("code", "risk_level", lon=_X("location"), lat=_Y("location"))


def geojson_tile(queryset, z, x, y):
    """A tile as a GeoJSON FeatureCollection: clusters below POINTS_ZOOM, hazards from it."""
    features = []
    if z >= POINTS_ZOOM:
        for row in points(queryset, z, x, y):
            features.append(_point(row["lon"], row["lat"], {"count": 1, "risk": row["risk_level"], "code": row["code"]}))
    else:
        for cell in clusters(queryset, z, x, y):
            properties = {"count": cell["count"], "risk": RISKS[cell["rank"]]}
            if cell["count"] == 1:
                properties["code"] = cell["code"]
            features.append(_point(cell["lon"], cell["lat"], properties))
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


def _point(lon, lat, properties):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": properties}


def mvt_tile(queryset, z, x, y):
    """A tile as a Mapbox vector tile (PostGIS: ST_AsMVT), layer "hazards", the GeoJSON tile's properties."""
    if z >= POINTS_ZOOM:
        rows = points(queryset, z, x, y, margin_px=BUFFER_PX)
        inner, params = rows.query.sql_with_params()
        select = ("SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), 3857), "
                  "ST_TileEnvelope(%s, %s, %s), %s, %s, true) AS geom, 1 AS count, r.risk_level AS risk, r.code AS code "
                  f"FROM ({inner}) r")
    else:
        cells = clusters(queryset, z, x, y)
        inner, params = cells.query.sql_with_params()
        ranks = " ".join(f"WHEN {rank} THEN '{level}'" for rank, level in RISKS.items())
        select = ("SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326), 3857), "
                  "ST_TileEnvelope(%s, %s, %s), %s, %s, true) AS geom, c.count AS count, "
                  f"CASE c.rank {ranks} END AS risk, CASE WHEN c.count = 1 THEN c.code END AS code FROM ({inner}) c")
    sql = f"SELECT ST_AsMVT(t, 'hazards', {EXTENT}, 'geom') FROM ({select}) t"
    buffer = EXTENT * BUFFER_PX // 256
    with connection.cursor() as cursor:
        cursor.execute(sql, [z, x, y, EXTENT, buffer, *params])
        return bytes(cursor.fetchone()[0] or b"")


def vector_tiles_available():
    return connection.vendor == "postgresql"


def _cache_key(fmt, z, x, y, filterset):
    """Tiles differ by format, address, filters (as cleaned, so junk parameters share a tile), data and day."""
    filters = urlencode(sorted((name, str(value)) for name, value in filterset.form.cleaned_data.items()
                               if value not in (None, "", [])), doseq=True)
    digest = hashlib.sha256(filters.encode()).hexdigest()[:24]
    return f"hazard-tile:{generation()}:{timezone.localdate()}:{fmt}:{z}/{x}/{y}:{digest}"


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

