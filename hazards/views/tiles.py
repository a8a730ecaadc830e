"""The map's hazard tiles: /tiles/hazards/{z}/{x}/{y}.pbf (PostGIS) and .geojson (both databases)."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .. import tiles
from ..api import api_role_required


@api_role_required
@require_GET
def hazard_tile_mvt(request, z, x, y):
    """GET /tiles/hazards/z/x/y.pbf: a Mapbox vector tile of the hazards (clusters below POINTS_ZOOM)."""
    if not tiles.vector_tiles_available():
        return JsonResponse({"error": "Vector tiles need PostGIS; this server has GeoJSON tiles (.geojson)."}, status=404)
    return tiles.tile_response(request, "pbf", z, x, y)


@api_role_required
@require_GET
def hazard_tile_geojson(request, z, x, y):
    """GET /tiles/hazards/z/x/y.geojson: the same tile as GeoJSON."""
    return tiles.tile_response(request, "geojson", z, x, y)
