"""The GeoJSON API behind the map.

Layers are assembled from GeoJSON that the database writes (AsGeoJSON), joined
as strings: several times faster than Django's geojson serializer, popup
fields included (`make bench`, bench/map_layers.py).
"""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, OuterRef, Subquery
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from . import features, geo, services
from .filters import HazardFilter, WorkOrderFilter, filter_errors, query_id
from .forms.works import ProgressForm
from .models import EvacuationPlan, EvacuationRoute, Hazard, HazardPhoto, River, Shelter, WorkOrder
from .readiness import COVERAGE_DAYS, river_coverage
from .roles import ALL_ROLES, has_role
from .views.works import conflict_message, get_order_for_user, orders_for_list

GEOJSON = "application/geo+json"


def api_role_required(view):
    """JSON 401/403 instead of a login page: API callers are programs."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Log in first."}, status=401)
        if not has_role(request.user, *ALL_ROLES):
            return JsonResponse({"error": "Your account has no role in Floodwatch."}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def feature_collection(features):
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def feature(geometry_json, properties):
    return '{"type":"Feature","geometry":' + geometry_json + ',"properties":' + json.dumps(properties, ensure_ascii=False) + "}"


def hazard_rows(queryset):
    """Hazard rows with everything a map popup needs, in one query."""
    latest_thumbnail = HazardPhoto.objects.filter(hazard=OuterRef("pk")).order_by("-created_at", "-id").values("thumbnail")[:1]
    return queryset.annotate(
        geojson=AsGeoJSON("location", precision=6),
        hazard_id=F("pk"),
        river_code=F("river__code"),
        town_zh=F("town__name_zh"), town_en=F("town__name_en"),
        village_zh=F("village__name_zh"), village_en=F("village__name_en"),
        thumbnail_name=Subquery(latest_thumbnail),
    ).values(
        "geojson", "hazard_id", "code", "title", "river_code", "chainage_m", "kind", "in_main_channel", "blockage_pct",
        "risk_level", "status", "town_zh", "town_en", "village_zh", "village_en", "updated_at", "thumbnail_name",
    )


def hazard_features(queryset):
    """Each hazard as a GeoJSON Feature string, with its popup's labels, thumbnail and open orders.

    The database writes the JSON (features.py): the same properties as hazard_rows gives, in one query.
    """
    return features.hazard_feature_strings(queryset)


def open_orders_by_hazard(hazards):
    """The open work orders of these hazards, in one query, for progress bars."""
    by_hazard = {}
    orders = WorkOrder.objects.open().filter(hazard__in=hazards.values("pk"))
    for order in orders.only("pk", "hazard_id", "title", "progress_pct", "status", "deadline"):
        by_hazard.setdefault(order.hazard_id, []).append({
            "id": order.pk, "title": order.title, "progress_pct": order.progress_pct, "status": order.status,
            "status_label": order.get_status_display(), "deadline": order.deadline.isoformat(),
            "overdue": order.is_overdue, "url": order.get_absolute_url(),
        })
    return by_hazard


@api_role_required
def hazards(request):
    """GET /api/hazards/: a FeatureCollection; filters as on the map page."""
    filterset = HazardFilter(request.GET, queryset=Hazard.objects.all())
    if not filterset.is_valid():
        return JsonResponse({"errors": filter_errors(filterset)}, status=400)
    return HttpResponse(feature_collection(hazard_features(filterset.qs)), content_type=GEOJSON)


@api_role_required
def hazard(request, code):
    """GET /api/hazards/<code>/: one Feature."""
    get_object_or_404(Hazard, code=code)
    return HttpResponse(next(hazard_features(Hazard.objects.filter(code=code))), content_type=GEOJSON)


@api_role_required
def district(request):
    """GET /api/district/: the district outline (coarse, see gis_data/SOURCES.md)."""
    return HttpResponse(geo.DISTRICT_FILE.read_bytes(), content_type=GEOJSON)


@api_role_required
def rivers(request):
    """GET /api/rivers/: the centerlines, upstream to downstream."""
    features = [
        feature(river.geojson, {
            "code": river.code, "name": river.name, "name_zh": river.name_zh, "name_en": river.name_en,
            "approximate": river.approximate, "length_m": round(river.length_m),
        })
        for river in River.objects.annotate(geojson=AsGeoJSON("centerline", precision=6))
    ]
    return HttpResponse(feature_collection(features), content_type=GEOJSON)


def order_feature(order, today):
    """A work order as a Feature: the hazard's point, or the reach's stretch of centerline."""
    return feature(order.geometry().geojson, {
        "id": order.pk, "title": order.title, "kind": order.kind, "kind_label": order.get_kind_display(),
        "status": order.status, "status_label": order.get_status_display(), "progress_pct": order.progress_pct,
        "version": order.version, "hazard": order.hazard.code if order.hazard_id else None,
        "river": order.river.code if order.river_id else None, "place": order.place,
        "start_chainage_m": order.start_chainage_m, "end_chainage_m": order.end_chainage_m,
        "responsible_unit": order.responsible_unit, "contractor": order.contractor,
        "engineers": [e.username for e in order.engineers.all()],
        "planned_start": order.planned_start.isoformat() if order.planned_start else None,
        "deadline": order.deadline.isoformat(), "days_left": (order.deadline - today).days,
        "overdue": order.is_overdue, "updated_at": order.updated_at.isoformat(),
        "url": order.get_absolute_url(),
    })


@api_role_required
def work_orders(request):
    """GET /api/work-orders/: orders as GeoJSON; filters river, status, overdue, unit."""
    filterset = WorkOrderFilter(request.GET, queryset=orders_for_list())
    if not filterset.is_valid():
        return JsonResponse({"errors": filter_errors(filterset)}, status=400)
    today = timezone.localdate()
    return HttpResponse(feature_collection(order_feature(o, today) for o in filterset.qs), content_type=GEOJSON)


@require_POST
@api_role_required
def work_order_progress(request, pk):
    """POST /api/work-orders/<id>/progress/: percent, note, version, photos.

    201 with the order's new state; 409 with its current state when the
    version sent is not the current one; 403 for anyone not assigned to it.
    """
    try:
        order = get_order_for_user(request.user, pk, action="progress")
    except PermissionDenied:
        return JsonResponse({"error": "Only the engineers assigned to this order may report its progress."}, status=403)
    form = ProgressForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"errors": {k: " ".join(v) for k, v in form.errors.items()}}, status=400)
    try:
        services.progress_update_create(
            order_id=order.pk, user=request.user, percent=form.cleaned_data["percent"],
            note=form.cleaned_data["note"], version=form.cleaned_data["version"], photos=form.all_photos(),
        )
    except services.StaleVersion as stale:
        current = json.loads(order_feature(stale.current, timezone.localdate()))["properties"]
        return JsonResponse({"error": conflict_message(stale.current), "current": current}, status=409)
    except ValidationError as error:
        return JsonResponse({"errors": {"percent": " ".join(error.messages)}}, status=400)
    order = WorkOrder.objects.select_related("hazard", "river").get(pk=pk)
    return HttpResponse(order_feature(order, timezone.localdate()), content_type=GEOJSON, status=201)


# Flood-season readiness layers (issue 5): patrol coverage, evacuation plans.

@api_role_required
def coverage(request):
    """GET /api/coverage/?days=7 (or 30): each river's patrolled and unpatrolled stretches."""
    days = request.GET.get("days", "7")
    if days not in {str(d) for d in COVERAGE_DAYS}:
        return JsonResponse({"errors": {"days": f"days must be one of {', '.join(map(str, COVERAGE_DAYS))}."}}, status=400)
    features = []
    for cover in river_coverage(int(days)):
        river = cover.river
        common = {"river": river.code, "river_name": river.name, "approximate": river.approximate, "days": int(days),
                  "percent": round(cover.percent, 1), "patrols": cover.patrol_count}
        for covered, stretches in ((True, cover.covered), (False, cover.uncovered)):
            for start, end in stretches:
                features.append(feature(geo.reach(river.centerline, start, end).json, {
                    **common, "covered": covered, "from_m": round(start), "to_m": round(end),
                    "stretch": geo.format_reach(start, end),
                }))
    return HttpResponse(feature_collection(features), content_type=GEOJSON)


@api_role_required
def plans(request):
    """GET /api/plans/ (?plan=<id>): the shelters and evacuation routes of every plan, or of one."""
    try:
        plan = query_id(request.GET, "plan", EvacuationPlan)
    except ValidationError as error:
        return JsonResponse({"errors": {"plan": " ".join(error.messages)}}, status=400)
    plan_filter = {"plan": plan} if plan is not None else {}
    english = (get_language() or "").startswith("en")

    def village_name(row, prefix="plan__village__"):
        return (row[prefix + "name_en"] if english else None) or row[prefix + "name_zh"]

    shelters = Shelter.objects.filter(**plan_filter).annotate(geojson=AsGeoJSON("location", precision=6)).values(
        "geojson", "name", "capacity", "plan", "plan__village__name_zh", "plan__village__name_en")
    routes = EvacuationRoute.objects.filter(**plan_filter).annotate(geojson=AsGeoJSON("path", precision=6)).values(
        "geojson", "name", "plan", "plan__village__name_zh", "plan__village__name_en")
    plan_prefix = reverse("hazards:plan", args=[0])[:-2]
    features = [
        feature(row["geojson"], {"layer": "shelter", "name": row["name"], "capacity": row["capacity"],
                                 "village": village_name(row), "url": f"{plan_prefix}{row['plan']}/"})
        for row in shelters
    ] + [
        feature(row["geojson"], {"layer": "route", "name": row["name"], "village": village_name(row),
                                 "url": f"{plan_prefix}{row['plan']}/"})
        for row in routes
    ]
    return HttpResponse(feature_collection(features), content_type=GEOJSON)
