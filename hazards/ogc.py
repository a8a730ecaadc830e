"""OGC API - Features (Part 1: Core, GeoJSON, OpenAPI 3.0), read-only, so GIS desktops open live layers.

Four collections: hazards, rivers, work-order reaches and patrol coverage.
Hazards are paged in the database and drawn by the fast GeoJSON path of
hazards/api.py; the three small layers are read whole from their API views
and paged here. The same authentication as the REST API (token, HTTP Basic,
session), never anonymous. Unknown parameters are refused with a 400, as the
standard asks, so that a filter a client thinks it applied is never ignored.
"""

import datetime
import json
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.decorators import api_view

from . import api, geo
from .filters import BboxField, HazardFilter
from .models import Hazard, River, WorkOrder
from .readiness import COVERAGE_DAYS
from .rest import DENIED, GEOJSON, JSON, ref

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CONFORMANCE = [CORE + "core", CORE + "geojson", CORE + "oas30"]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
DEFAULT_LIMIT = 100
PAGING = ("limit", "offset", "bbox", "datetime", "f")


class BadParameter(ValueError):
    pass


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    queryables: dict = field(default_factory=dict)  # name -> JSON schema of its values
    extra: tuple = ()  # other parameters the collection takes
    temporal: bool = False  # datetime filters updated_at

    def allowed(self):
        return set(PAGING) | set(self.queryables) | set(self.extra)


def collections():
    rivers = [river.code for river in River.objects.all()]
    return {c.id: c for c in (
        Collection("hazards", "Flood-obstruction points (碍洪点)",
                   "Every hazard of the register, with its risk level and status.",
                   {"river": {"type": "string", "enum": rivers}, "risk_level": {"type": "string", "enum": Hazard.RiskLevel.values},
                    "status": {"type": "string", "enum": Hazard.Status.values}}, temporal=True),
        Collection("rivers", "River centerlines", "The rivers' centerlines, drawn from upstream to downstream."),
        Collection("work-order-reaches", "Work-order reaches",
                   "Clearance works on a reach of river (dredging, cutting grass), drawn as that stretch of centerline.",
                   {"river": {"type": "string", "enum": rivers}, "status": {"type": "string", "enum": WorkOrder.Status.values}}),
        Collection("patrol-coverage", "Patrol coverage",
                   "Each river's patrolled and unpatrolled stretches over the last 7 (or, with days=30, 30) days.",
                   {"river": {"type": "string", "enum": rivers}}, extra=("days",)),
    )}


def bad_request(message):
    return JsonResponse({"code": "InvalidParameterValue", "description": message}, status=400)


def not_found(message):
    return JsonResponse({"code": "NotFound", "description": message}, status=404)


def json_response(data, content_type=JSON, status=200):
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=content_type, status=status)


def check_format(request, formats=("json",)):
    f = request.GET.get("f")
    if f is not None and f not in formats:
        raise BadParameter(f"f={f} is not offered: only {', '.join(formats)}.")


def format_refused(request):
    """The 400 for an `f` we do not offer, or None: the pages with no parameter but `f` start with it."""
    try:
        check_format(request)
    except BadParameter as error:
        return bad_request(str(error))
    return None


def link(request, name, rel, media_type=JSON, title=None, args=(), query=None):
    href = request.build_absolute_uri(reverse(name, args=args))
    if query:
        href += "?" + urlencode(query, doseq=True)
    return {"href": href, "rel": rel, "type": media_type, **({"title": title} if title else {})}


@lru_cache(maxsize=1)
def district_extent():
    """The collections' extent: the box of the district outline as buffered for hazards (DISTRICT_BUFFER_M)."""
    return [round(value, 5) for value in geo.from_metric(geo.district_shape()).extent]


def collection_document(request, collection):
    return {
        "id": collection.id, "title": collection.title, "description": collection.description, "itemType": "feature",
        "extent": {"spatial": {"bbox": [district_extent()], "crs": CRS84}},
        "crs": [CRS84], "storageCrs": CRS84,
        "links": [
            link(request, "hazards:ogc-collection", "self", args=[collection.id]),
            link(request, "hazards:ogc-items", "items", GEOJSON, "Items as GeoJSON", args=[collection.id]),
            link(request, "hazards:ogc-queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                 "application/schema+json", "Queryables", args=[collection.id]),
        ],
    }


# The document: shared parts.

OGC_ERROR = {"type": "object", "required": ["code", "description"],
             "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}
LINKS = {"type": "array", "items": {"type": "object", "required": ["href", "rel"],
                                    "properties": {"href": {"type": "string"}, "rel": {"type": "string"},
                                                   "type": {"type": "string"}, "title": {"type": "string"}}}}
F_JSON = OpenApiParameter("f", str, enum=["json"], description="The format: JSON (the default).")
BAD = {(400, JSON): OpenApiResponse(OGC_ERROR, description="A parameter the collection does not take, or a bad value.")}
MISSING = {(404, JSON): OpenApiResponse(OGC_ERROR, description="No such collection or feature.")}
COLLECTION_ID = OpenApiParameter("collection", str, OpenApiParameter.PATH,
                                 enum=["hazards", "rivers", "work-order-reaches", "patrol-coverage"])
COLLECTION = {"type": "object", "required": ["id", "links"], "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
    "itemType": {"type": "string"}, "extent": {"type": "object"}, "crs": {"type": "array", "items": {"type": "string"}},
    "links": LINKS}}
ITEMS = {"allOf": [ref("FeatureCollection"), {"type": "object", "required": ["links", "timeStamp", "numberReturned"],
                                              "properties": {"links": LINKS, "timeStamp": {"type": "string", "format": "date-time"},
                                                             "numberMatched": {"type": "integer", "minimum": 0},
                                                             "numberReturned": {"type": "integer", "minimum": 0}}}]}


@extend_schema(operation_id="ogc_landing", summary="OGC API - Features: landing page", tags=["ogc"],
               parameters=[F_JSON], responses={(200, JSON): {"type": "object", "required": ["links"],
                                                           "properties": {"title": {"type": "string"}, "links": LINKS}},
                                               **BAD, **DENIED})
@api_view(["GET"])
def landing(request):
    if refused := format_refused(request):
        return refused
    return json_response({
        "title": "Floodwatch", "description": "Flood-obstruction points of Tongzhou district: hazards, rivers, "
                                              "work-order reaches and patrol coverage, as OGC API - Features.",
        "links": [
            link(request, "hazards:ogc-landing", "self", title="This document"),
            link(request, "hazards:ogc-api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            link(request, "hazards:api-docs", "service-doc", "text/html", "The API documentation"),
            link(request, "hazards:ogc-conformance", "conformance", title="Conformance classes"),
            link(request, "hazards:ogc-collections", "data", title="Collections"),
        ],
    })


@extend_schema(operation_id="ogc_conformance", summary="Conformance classes", tags=["ogc"], parameters=[F_JSON],
               responses={(200, JSON): {"type": "object", "required": ["conformsTo"],
                                        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
                          **BAD, **DENIED})
@api_view(["GET"])
def conformance(request):
    if refused := format_refused(request):
        return refused
    return json_response({"conformsTo": CONFORMANCE})


class OpenApiRenderer(OpenApiJsonRenderer):
    media_type = OPENAPI


class ApiDocument(SpectacularAPIView):
    """The OpenAPI document in JSON, at /api/schema/ and as OGC API's service-desc at /ogc/api."""

    renderer_classes = [OpenApiRenderer]


@extend_schema(operation_id="ogc_collections", summary="The collections", tags=["ogc"], parameters=[F_JSON],
               responses={(200, JSON): {"type": "object", "required": ["links", "collections"],
                                        "properties": {"links": LINKS, "collections": {"type": "array", "items": COLLECTION}}},
                          **BAD, **DENIED})
@api_view(["GET"])
def collection_list(request):
    if refused := format_refused(request):
        return refused
    return json_response({
        "links": [link(request, "hazards:ogc-collections", "self")],
        "collections": [collection_document(request, c) for c in collections().values()],
    })


@extend_schema(operation_id="ogc_collection", summary="One collection", tags=["ogc"], parameters=[COLLECTION_ID, F_JSON],
               responses={(200, JSON): COLLECTION, **BAD, **MISSING, **DENIED})
@api_view(["GET"])
def collection_detail(request, collection):
    found = collections().get(collection)
    if found is None:
        return not_found(f"There is no collection {collection}.")
    if refused := format_refused(request):
        return refused
    return json_response(collection_document(request, found))


@extend_schema(operation_id="ogc_queryables", summary="The properties a collection's items can be filtered by",
               tags=["ogc"], parameters=[COLLECTION_ID, F_JSON],
               responses={(200, "application/schema+json"): {"type": "object"}, **BAD, **MISSING, **DENIED})
@api_view(["GET"])
def queryables(request, collection):
    found = collections().get(collection)
    if found is None:
        return not_found(f"There is no collection {collection}.")
    if refused := format_refused(request):
        return refused
    return json_response({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": request.build_absolute_uri(),
        "type": "object", "title": found.title, "properties": found.queryables,
    }, content_type="application/schema+json")


# Items.

def parse_limit_offset(params):
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
        offset = int(params.get("offset", 0))
    except ValueError:
        raise BadParameter("limit and offset must be whole numbers.")
    if limit < 1 or offset < 0:
        raise BadParameter("limit must be 1 or more, and offset 0 or more.")
    # A limit above the maximum is not an error: the maximum is used (OGC API - Features, /req/core/fc-limit-response-1).
    # An offset past any count is an empty page, not a number too large for the database.
    return min(limit, settings.OGC_MAX_LIMIT), min(offset, 2**31 - 1)


def parse_bbox(value):
    """bbox=minlon,minlat,maxlon,maxlat (or six numbers, heights ignored), in CRS84, as clients send them."""
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    try:
        return BboxField().clean(",".join(parts))
    except ValidationError as error:
        raise BadParameter("bbox: " + " ".join(error.messages))


def parse_datetime_filter(value):
    """datetime: an instant, or an interval a/b with .. for an open end; as (start, end), either None."""
    if value is None:
        return None

    def instant(text, end=False):
        if text in ("..", ""):
            return None
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise BadParameter(f"datetime: {text} is not a date or time (RFC 3339).")
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min))
        elif timezone.is_naive(moment):
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment

    try:
        if "/" in value:
            start, end = value.split("/", 1)
            return instant(start), instant(end, end=True)
        moment = parse_datetime(value)
        if moment is None:
            return instant(value), instant(value, end=True)
        moment = instant(value)
        return moment, moment
    except (ValueError, OverflowError):
        raise BadParameter(f"datetime: {value} is not a date, time or interval (RFC 3339).")


def checked_params(request, collection):
    unknown = sorted(set(request.GET) - collection.allowed())
    if unknown:
        raise BadParameter(f"Unknown parameter {', '.join(unknown)}: this collection takes "
                           f"{', '.join(sorted(collection.allowed()))}.")
    for name in request.GET:
        if len(request.GET.getlist(name)) > 1 and name not in collection.queryables:
            raise BadParameter(f"{name} is given more than once.")
    check_format(request, ("json", "geojson"))
    for name, schema in collection.queryables.items():
        for value in request.GET.getlist(name):
            if value not in schema["enum"]:
                raise BadParameter(f"{name}={value} is not one of {', '.join(schema['enum'])}.")
    if "days" in request.GET and request.GET["days"] not in {str(d) for d in COVERAGE_DAYS}:
        raise BadParameter(f"days must be one of {', '.join(map(str, COVERAGE_DAYS))}.")
    if request.GET.get("datetime") is not None and not collection.temporal:
        raise BadParameter("This collection has no time: datetime does not apply.")
    return parse_limit_offset(request.GET), parse_bbox(request.GET.get("bbox")), parse_datetime_filter(request.GET.get("datetime"))


def hazard_page(request, bbox, period, limit, offset):
    """Hazards filtered and paged in the database, drawn by api.hazard_features; each with its code as id."""
    data = {name: request.GET.getlist(name) for name in ("river", "risk_level", "status") if name in request.GET}
    queryset = HazardFilter(data, queryset=Hazard.objects.all()).qs
    if bbox is not None:
        queryset = queryset.filter(location__intersects=bbox)
    if period is not None:
        start, end = period
        queryset = queryset.filter(**{k: v for k, v in (("updated_at__gte", start), ("updated_at__lte", end)) if v})
    matched = queryset.count()
    features = []
    for text in api.hazard_features(queryset[offset:offset + limit]):
        feature = json.loads(text)
        features.append({"type": "Feature", "id": feature["properties"]["code"], **feature})
    return features, matched


def small_layer(request, collection):
    """Every feature of a small layer, from its API view, with an id; filtered by river and status."""
    if collection.id == "rivers":
        features = json.loads(api.rivers(request._request).content)["features"]
        ids = [f["properties"]["code"] for f in features]
    elif collection.id == "work-order-reaches":
        features = [f for f in json.loads(api.work_orders(request._request).content)["features"]
                    if f["properties"]["hazard"] is None]
        ids = [f["properties"]["id"] for f in features]
    else:
        features = json.loads(api.coverage(request._request).content)["features"]
        ids = [f"{f['properties']['river']}-{f['properties']['from_m']}-{f['properties']['to_m']}" for f in features]
    pairs = list(zip(ids, features))
    for name in collection.queryables:
        wanted = request.GET.getlist(name)
        if wanted:
            pairs = [(i, f) for i, f in pairs if str(f["properties"].get(name)) in wanted]
    return [{"type": "Feature", "id": i, **f} for i, f in pairs]


def in_bbox(features, bbox):
    if bbox is None:
        return features
    return [f for f in features if GEOSGeometry(json.dumps(f["geometry"]), srid=4326).intersects(bbox)]


@extend_schema(
    operation_id="ogc_items", summary="A collection's features, a page at a time (GeoJSON)", tags=["ogc"],
    parameters=[
        COLLECTION_ID,
        OpenApiParameter("limit", int, description=f"Features per page (default {DEFAULT_LIMIT}; more than "
                                                   f"{settings.OGC_MAX_LIMIT} gives {settings.OGC_MAX_LIMIT})"),
        OpenApiParameter("offset", int, description="Features to skip (follow the next link)"),
        OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat in CRS84"),
        OpenApiParameter("datetime", str, description="hazards: updated at this instant or in this interval (RFC 3339)"),
        OpenApiParameter("river", str, description="hazards, work-order-reaches, patrol-coverage: the river's code"),
        OpenApiParameter("risk_level", str, enum=Hazard.RiskLevel.values, description="hazards"),
        OpenApiParameter("status", str, description="hazards, work-order-reaches: the status"),
        OpenApiParameter("days", str, enum=["7", "30"], description="patrol-coverage: the last 7 or 30 days"),
        OpenApiParameter("f", str, enum=["json", "geojson"], description="The format: GeoJSON (the default)."),
    ],
    responses={(200, GEOJSON): ITEMS, **BAD, **MISSING, **DENIED},
)
@api_view(["GET"])
def items(request, collection):
    found = collections().get(collection)
    if found is None:
        return not_found(f"There is no collection {collection}.")
    try:
        (limit, offset), bbox, period = checked_params(request, found)
    except BadParameter as error:
        return bad_request(str(error))
    if found.id == "hazards":
        page, matched = hazard_page(request, bbox, period, limit, offset)
    else:
        everything = in_bbox(small_layer(request, found), bbox)
        page, matched = everything[offset:offset + limit], len(everything)
    query = {name: request.GET.getlist(name) for name in request.GET if name not in ("offset", "limit")}
    links = [link(request, "hazards:ogc-items", "self", GEOJSON, args=[found.id], query={**query, "limit": limit, "offset": offset}),
             link(request, "hazards:ogc-collection", "collection", args=[found.id])]
    if offset + limit < matched:
        links.append(link(request, "hazards:ogc-items", "next", GEOJSON, "Next page", args=[found.id],
                          query={**query, "limit": limit, "offset": offset + limit}))
    if offset > 0:
        links.append(link(request, "hazards:ogc-items", "prev", GEOJSON, "Previous page", args=[found.id],
                          query={**query, "limit": limit, "offset": max(0, offset - limit)}))
    return json_response({
        "type": "FeatureCollection", "features": page, "links": links,
        "timeStamp": timezone.now().astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
        "numberMatched": matched, "numberReturned": len(page),
    }, content_type=GEOJSON)


@extend_schema(
    operation_id="ogc_item", summary="One feature (GeoJSON)", tags=["ogc"],
    parameters=[COLLECTION_ID, OpenApiParameter("feature_id", str, OpenApiParameter.PATH,
                                                description="hazards: the code; rivers: the code; "
                                                            "work-order-reaches: the order's id"), F_JSON],
    responses={(200, GEOJSON): ref("Feature"), **BAD, **MISSING, **DENIED},
)
@api_view(["GET"])
def item(request, collection, feature_id):
    found = collections().get(collection)
    if found is None:
        return not_found(f"There is no collection {collection}.")
    unknown = sorted(set(request.GET) - {"f"} - set(found.extra))
    try:
        if unknown:
            raise BadParameter(f"Unknown parameter {', '.join(unknown)}.")
        check_format(request, ("json", "geojson"))
    except BadParameter as error:
        return bad_request(str(error))
    if found.id == "hazards":
        features = list(api.hazard_features(Hazard.objects.filter(code=feature_id)))
        feature = {"type": "Feature", "id": feature_id, **json.loads(features[0])} if features else None
    else:
        feature = next((f for f in small_layer(request, found) if str(f["id"]) == feature_id), None)
    if feature is None:
        return not_found(f"There is no feature {feature_id} in {found.id}.")
    feature["links"] = [
        {"href": request.build_absolute_uri(), "rel": "self", "type": GEOJSON},
        link(request, "hazards:ogc-collection", "collection", args=[found.id]),
    ]
    return json_response(feature, content_type=GEOJSON)
