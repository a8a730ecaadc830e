"""The REST API for programs: the GeoJSON API of hazards/api.py behind tokens, HTTP Basic and sessions, with
its OpenAPI document (drf-spectacular) made from this code, and the writes programs may make.

The read endpoints wrap the views of hazards/api.py as they are (their fast
GeoJSON path included); this module adds who may call them and what the
document says of them. The writes go through the pages' forms and services:
the same validation, versions and 409 conflicts.
"""

import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, MultiPartParser

from . import api, offline, roles, services
from .filters import HazardFilter, WorkOrderFilter
from .forms import HazardForm
from .forms.photos import MultiplePhotoField, PhotoField
from .forms.readiness import PatrolForm
from .forms.works import AcceptanceForm, ProgressForm
from .models import Hazard, Patrol, WorkOrder
from .views.works import conflict_message, get_order_for_user

GEOJSON = "application/geo+json"
JSON = "application/json"


# The document: shared pieces, and responses every endpoint may give.

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


COMPONENTS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "FieldErrors": {
        "type": "object", "required": ["errors"], "description": "One message per parameter or field.",
        "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
    },
    "Geometry": {
        "type": "object", "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array", "items": {}},
        },
    },
    "Feature": {
        "type": "object", "required": ["type", "geometry", "properties"],
        "properties": {"type": {"type": "string", "enum": ["Feature"]}, "geometry": ref("Geometry"),
                       "properties": {"type": "object"}},
    },
    "HazardFeature": {
        "allOf": [ref("Feature"), {"type": "object", "properties": {"properties": ref("HazardProperties")}}],
    },
    "HazardProperties": {
        "type": "object",
        "required": ["code", "title", "river", "chainage_m", "chainage", "kind", "risk_level", "status", "updated_at"],
        "properties": {
            "code": {"type": "string", "example": "XTH-001"}, "title": {"type": "string"},
            "river": {"type": "string"}, "chainage_m": {"type": "number"}, "chainage": {"type": "string", "example": "K1+800"},
            "kind": {"type": "string", "enum": Hazard.Kind.values}, "in_main_channel": {"type": "boolean"},
            "blockage_pct": {"type": "number"}, "risk_level": {"type": "string", "enum": Hazard.RiskLevel.values},
            "status": {"type": "string", "enum": Hazard.Status.values}, "town": {"type": "string", "nullable": True},
            "village": {"type": "string", "nullable": True}, "updated_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string"}, "thumbnail": {"type": "string", "nullable": True},
            "orders": {"type": "array", "items": {"type": "object"}},
        },
    },
    "FeatureCollection": {
        "type": "object", "required": ["type", "features"],
        "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                       "features": {"type": "array", "items": ref("Feature")}},
    },
    "HazardCollection": {
        "allOf": [ref("FeatureCollection"),
                  {"type": "object", "properties": {"features": {"type": "array", "items": ref("HazardFeature")}}}],
    },
    "Conflict": {
        "type": "object", "required": ["error", "current"],
        "description": "The version sent is not the current one: nothing was saved; `current` is the state now.",
        "properties": {"error": {"type": "string"}, "current": {"type": "object"}},
    },
}


def add_components(result, generator, request, public):
    """Postprocessing hook: the shared schemas above, once, in components."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    return result


def documented_paths(endpoints):
    """Preprocessing hook: the API and OGC API - Features; not the document itself nor its viewer."""
    return [endpoint for endpoint in endpoints
            if endpoint[0].startswith(("/api/", "/ogc/")) and not endpoint[0].startswith(("/api/schema", "/api/docs", "/ogc/api"))]


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes the token header."""

    target_class = "hazards.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")



class BasicScheme(OpenApiAuthenticationExtension):
    target_class = "hazards.auth.BasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic", "description": "Over HTTPS; failures count towards lock-outs."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "hazards.auth.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME,
                "description": "The pages' login; writes need the CSRF token too."}


def error(description):
    return OpenApiResponse(ref("Error"), description=description)


DENIED = {
    (401, JSON): error("No credentials, or wrong ones (Token, HTTP Basic or a session)."),
    (403, JSON): error("The user has no role in Floodwatch, or not the role this needs."),
}
BAD_INPUT = {(400, JSON): OpenApiResponse(ref("FieldErrors"), description="A parameter or field is not valid.")}
NOT_FOUND = {(404, JSON): error("No such object.")}
AUTH = [{"tokenAuth": []}, {"basicAuth": []}, {"cookieAuth": []}]
CLIENT_ID = OpenApiParameter(
    "X-Client-Id", str, OpenApiParameter.HEADER, required=False,
    description="A UUID made by the client for this write: a repeat with the same id is answered with the first "
                "answer and writes nothing (offline queues, retries).")


def filter_parameters(filterset_class):
    """The query parameters of a FilterSet, for the document: the filters the code applies, no other list."""
    parameters = []
    for name, f in filterset_class.base_filters.items():
        field = f.field
        many = isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField))
        schema = {"type": "string"}
        if isinstance(field, forms.ModelChoiceField):
            pass  # rows of the database (rivers, towns): their codes, not listed here (this runs at import)
        elif getattr(field, "choices", None):
            schema["enum"] = [str(value) for value, _label in field.choices if value != ""]
        elif field.__class__.__name__ == "FlagField":
            schema["enum"] = ["true", "false"]
        if many:
            schema = {"type": "array", "items": schema}
        parameters.append(OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=str(f.label or name),
                                           explode=True if many else None))
    return parameters


def form_schema(form_class, *, skip=("kept_photos",), optional=()):
    """A form's fields as the schema of a multipart body: the form is the one place its rules are written."""
    properties, required = {}, []
    form = form_class()
    for name, field in form.fields.items():
        if name in skip:
            continue
        if isinstance(field, MultiplePhotoField):
            schema = {"type": "array", "items": {"type": "string", "format": "binary"}}
        elif isinstance(field, PhotoField):
            schema = {"type": "string", "format": "binary"}
        elif isinstance(field, forms.ModelChoiceField):
            schema = {"type": "integer", "description": "The id of the " + str(field.queryset.model._meta.verbose_name)}
        elif isinstance(field, forms.ChoiceField):
            schema = {"type": "string", "enum": [str(v) for v, _label in field.choices if v != ""]}
        elif isinstance(field, forms.IntegerField):
            schema = {"type": "integer", **{k: v for k, v in (("minimum", field.min_value), ("maximum", field.max_value))
                                            if v is not None}}
        elif isinstance(field, forms.FloatField):
            schema = {"type": "number"}
        elif isinstance(field, forms.BooleanField):
            schema = {"type": "boolean"}
        else:
            schema = {"type": "string", **({"maxLength": field.max_length} if getattr(field, "max_length", None) else {})}
        if field.label:
            schema["description"] = str(field.label)
        properties[name] = schema
        if field.required and name not in optional:
            required.append(name)
    return {"type": "object", "properties": properties, **({"required": required} if required else {})}


def form_errors(form):
    return JsonResponse({"errors": {name: " ".join(messages) for name, messages in form.errors.items()}}, status=400)


# Reads: the views of hazards/api.py, as they are.

@extend_schema(
    methods=["GET"], operation_id="hazards_list", summary="Hazards as GeoJSON",
    description="Every hazard as a GeoJSON FeatureCollection, filtered as on the map (repeat a name for several values).",
    parameters=filter_parameters(HazardFilter),
    responses={(200, GEOJSON): ref("HazardCollection"), **BAD_INPUT, **DENIED},
)
@extend_schema(
    methods=["POST"], operation_id="hazards_report", summary="Report a hazard (inspectors)",
    description="The hazard form of the pages, as multipart: the same rules (in the district, near the river, "
                "a reason for a manual risk level). Photos with GPS place the point when no coordinates are given. "
                "`status` is reported unless given.",
    request={"multipart/form-data": form_schema(HazardForm, optional=("status",))}, parameters=[CLIENT_ID],
    responses={(201, GEOJSON): ref("HazardFeature"), **BAD_INPUT, **DENIED,
               (409, JSON): error("With check_duplicates=1: an open hazard someone else reported is this near.")},
)
@api_view(["GET", "POST"])
@parser_classes([MultiPartParser, FormParser])
@offline.replayable
@offline.with_uploads("photos")
def hazards(request):
    if request.method == "POST":
        return hazard_report(request)
    return api.hazards(request._request)


def hazard_report(request):
    """Report a hazard through the pages' form and service."""
    if not roles.has_role(request.user, roles.INSPECTOR):
        raise exceptions.PermissionDenied("Only inspectors may report hazards.")
    data = request.POST.copy()
    data.setdefault("status", Hazard.Status.REPORTED)  # what the page's form starts with
    form = HazardForm(data, request.FILES, instance=Hazard(reported_by=request.user))
    if not form.is_valid():
        return form_errors(form)
    check = data.get("check_duplicates", "0")
    if check not in ("0", "1"):
        return JsonResponse({"errors": {"check_duplicates": "0 or 1."}}, status=400)
    duplicate = offline.likely_duplicate(form.instance, request.user) if check == "1" else None
    if duplicate:
        return JsonResponse({"error": _("%(code)s, %(m)s m away, was reported by %(who)s: is this the same hazard?")
                             % {"code": duplicate["code"], "m": duplicate["distance_m"], "who": duplicate["reported_by"]},
                             "duplicate": duplicate}, status=409)
    try:
        hazard = services.hazard_save(hazard=form.save(commit=False), user=request.user,
                                      status_chosen="status" in form.changed_data, photos=form.all_photos())
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        return JsonResponse({"errors": {name: " ".join(m) for name, m in messages.items()}}, status=400)
    return HttpResponse(next(api.hazard_features(Hazard.objects.filter(pk=hazard.pk))), content_type=GEOJSON, status=201)


@extend_schema(
    operation_id="hazards_retrieve", summary="One hazard as a GeoJSON Feature",
    parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="The hazard's code, e.g. XTH-001")],
    responses={(200, GEOJSON): ref("HazardFeature"), **NOT_FOUND, **DENIED},
)
@api_view(["GET"])
def hazard(request, code):
    return api.hazard(request._request, code)


@extend_schema(operation_id="rivers_list", summary="River centerlines, upstream to downstream",
               responses={(200, GEOJSON): ref("FeatureCollection"), **DENIED})
@api_view(["GET"])
def rivers(request):
    return api.rivers(request._request)


@extend_schema(operation_id="district_retrieve", summary="The district outline (coarse)",
               responses={(200, GEOJSON): ref("FeatureCollection"), **DENIED})
@api_view(["GET"])
def district(request):
    return api.district(request._request)


@extend_schema(operation_id="work_orders_list", summary="Work orders as GeoJSON (the hazard's point or the reach's line)",
               parameters=filter_parameters(WorkOrderFilter),
               responses={(200, GEOJSON): ref("FeatureCollection"), **BAD_INPUT, **DENIED})
@api_view(["GET"])
def work_orders(request):
    return api.work_orders(request._request)


@extend_schema(operation_id="coverage_list", summary="Patrolled and unpatrolled stretches of each river",
               parameters=[OpenApiParameter("days", str, enum=["7", "30"], description="The last 7 or 30 days")],
               responses={(200, GEOJSON): ref("FeatureCollection"), **BAD_INPUT, **DENIED})
@api_view(["GET"])
def coverage(request):
    return api.coverage(request._request)


@extend_schema(operation_id="plans_list", summary="Evacuation-plan shelters and routes",
               parameters=[OpenApiParameter("plan", int, description="One plan's id")],
               responses={(200, GEOJSON): ref("FeatureCollection"), **BAD_INPUT, **DENIED})
@api_view(["GET"])
def plans(request):
    return api.plans(request._request)


# Writes on work orders: progress (assigned engineers) and acceptance (inspectors).

ORDER_ID = [OpenApiParameter("id", int, OpenApiParameter.PATH, description="The work order's id"), CLIENT_ID]
ORDER_WRITE_RESPONSES = {
    (201, GEOJSON): OpenApiResponse(ref("Feature"), description="Saved: the order's new state."),
    **BAD_INPUT, **DENIED, **NOT_FOUND,
    (409, JSON): OpenApiResponse(ref("Conflict"), description="Someone else changed the order since `version`."),
}


@extend_schema(
    operation_id="work_orders_progress", summary="Post progress (the order's assigned engineers)",
    description="Percent, note, the order's version as last seen, and photos. Progress never goes down without a note.",
    parameters=ORDER_ID, request={"multipart/form-data": form_schema(ProgressForm)}, responses=ORDER_WRITE_RESPONSES,
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
@offline.replayable
@offline.with_uploads("photos")
def work_order_progress(request, pk):
    return api.work_order_progress(request._request, pk)


@extend_schema(
    operation_id="work_orders_accept", summary="Accept a completed order after the site check (inspectors)",
    description="复核销号: by an inspector who did not work on the order, with a photo; the hazard follows.",
    parameters=ORDER_ID, request={"multipart/form-data": form_schema(AcceptanceForm)}, responses=ORDER_WRITE_RESPONSES,
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
@offline.replayable
@offline.with_uploads("photo")
def work_order_accept(request, pk):
    order = get_order_for_user(request.user, pk, action="accept")
    form = AcceptanceForm(request.POST, request.FILES)
    if not form.is_valid():
        return form_errors(form)
    try:
        services.work_order_accept(order_id=order.pk, user=request.user, note=form.cleaned_data["note"],
                                   photo=form.cleaned_data["photo"], version=form.cleaned_data["version"])
    except services.StaleVersion as stale:
        current = json.loads(api.order_feature(stale.current, timezone.localdate()))["properties"]
        return JsonResponse({"error": conflict_message(stale.current), "current": current}, status=409)
    except ValidationError as error:
        return JsonResponse({"errors": {"__all__": " ".join(error.messages)}}, status=400)
    order = WorkOrder.objects.select_related("hazard", "river").get(pk=pk)
    return HttpResponse(api.order_feature(order, timezone.localdate()), content_type=GEOJSON, status=201)


# Patrols (inspectors): the patrol form of the pages, for the offline queue and programs.

@extend_schema(
    operation_id="patrols_record", summary="Record a patrol (inspectors)",
    description="The patrol form of the pages, as multipart: a GPX track, or `drawn_track` (a GeoJSON LineString "
                "drawn, or recorded by the phone's position while walking), the river, the date.",
    parameters=[CLIENT_ID], request={"multipart/form-data": form_schema(PatrolForm)},
    responses={(201, JSON): OpenApiResponse(description="Saved: the patrol's id, page and what it covered."),
               **BAD_INPUT, **DENIED},
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
@offline.replayable
def patrols(request):
    if not roles.has_role(request.user, roles.INSPECTOR):
        raise exceptions.PermissionDenied("Only inspectors record patrols.")
    form = PatrolForm(request.POST, request.FILES, instance=Patrol(inspector=request.user))
    if not form.is_valid():
        return form_errors(form)
    patrol = form.save()
    return JsonResponse({"id": patrol.pk, "url": patrol.get_absolute_url(), "river": patrol.river.code,
                         "date": patrol.date.isoformat(), "covered_m": round(patrol.covered_m),
                         "stretches": list(patrol.stretches)}, status=201)
