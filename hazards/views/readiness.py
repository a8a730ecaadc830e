"""Pages for flood-season readiness: patrols and coverage, evacuation plans, drills, the readiness table."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import geo, readiness, response, roles, services
from ..filters import query_id
from ..forms.readiness import (
    DrillForm,
    EvacuationPlanForm,
    FollowUpFormSet,
    FollowUpWorkOrderForm,
    PatrolCheckForm,
    PatrolForm,
    plan_formsets,
)
from ..models import Drill, DrillFollowUp, EvacuationPlan, Hazard, Patrol, River, Village
from ..roles import role_required
from ..season import season_in_view
from . import register


def readiness_config(**extra):
    """What the readiness pages' scripts need, on top of the map's."""
    return register.map_config(
        coverageUrl=reverse("hazards:api-coverage"),
        plansUrl=reverse("hazards:api-plans"),
        readinessText={
            "covered": _("Patrolled"),
            "uncovered": _("Not patrolled"),
            "track": _("Track"),
            "shelter": _("Shelter"),
            "capacity": _("capacity %(n)s"),
            "route": _("Evacuation route"),
            "approximate": _("village position approximate"),
            "ready": _("Ready"),
            "notReady": _("Not ready"),
            "atRisk": _("Not ready, at risk"),
            "drawHint": _("Click along the river to draw the stretch walked; click the last point again to finish."),
            "drawStart": _("Click to start the line."),
            "drawContinue": _("Click to continue the line."),
            "drawEnd": _("Click the last point again to finish."),
            "overlays": {
                "coverage7": _("Patrolled, last 7 days"),
                "coverage30": _("Patrolled, last 30 days"),
                "plans": _("Evacuation plans"),
            },
        },
        **extra,
    )


# Patrols and coverage

def get_patrol_for_user(user, pk, *, edit=False):
    """The patrol, if this user may see it (any role) or add to it (its inspector, or an admin)."""
    patrol = get_object_or_404(Patrol.objects.select_related("river", "inspector"), pk=pk)
    if edit and not may_edit_patrol(user, patrol):
        raise PermissionDenied
    return patrol


def may_edit_patrol(user, patrol):
    return roles.has_role(user, roles.ADMIN) or (patrol.inspector_id == user.pk and roles.has_role(user, roles.INSPECTOR))


def _days(request):
    try:
        days = int(request.GET.get("days", 7))
    except ValueError:
        days = 7
    return days if days in readiness.COVERAGE_DAYS else 7


@role_required()
def patrol_list(request):
    days = _days(request)
    patrols = Patrol.objects.select_related("river", "inspector").defer("track", "river__centerline").prefetch_related(
        "checks").order_by("-date", "-id")[:100]
    return render(request, "readiness/patrol_list.html", {
        "days": days, "day_choices": readiness.COVERAGE_DAYS,
        "coverage": zip(readiness.river_coverage(days), readiness.river_coverage(30 if days == 7 else 7)),
        "patrols": patrols,
        "can_record": roles.has_role(request.user, roles.INSPECTOR),
        "map_config": readiness_config(days=days),
    })


@role_required(roles.INSPECTOR)
def patrol_create(request):
    form = PatrolForm(request.POST or None, request.FILES or None, instance=Patrol(inspector=request.user))
    if request.method == "POST" and form.is_valid():
        patrol = form.save()
        if patrol.covered:
            messages.success(request, _("Patrol saved: %(km).1f km of the %(river)s covered (%(stretches)s).") % {
                "km": patrol.covered_m / 1000, "river": patrol.river.name, "stretches": ", ".join(patrol.stretches)})
        else:
            messages.warning(request, _("Patrol saved, but its track covers none of the %(river)s.") % {
                "river": patrol.river.name})
        return redirect(patrol)
    return render(request, "readiness/patrol_form.html", {"form": form, "map_config": readiness_config()})


@role_required()
def patrol_detail(request, pk):
    patrol = get_patrol_for_user(request.user, pk)
    checks = patrol.checks.select_related("hazard").prefetch_related("photos")
    can_edit = may_edit_patrol(request.user, patrol)
    return render(request, "readiness/patrol_detail.html", _patrol_context(patrol, checks, can_edit, request))


def _patrol_context(patrol, checks, can_edit, request, form=None):
    checked = {check.hazard_id for check in checks}
    passed = list(patrol.hazards_passed())
    hazard = request.GET.get("hazard")
    initial = {"hazard": Hazard.objects.filter(code=hazard, river=patrol.river).first()} if hazard else None
    return {
        "patrol": patrol, "checks": checks, "can_edit": can_edit,
        "passed": [(h, h.pk in checked) for h in passed],
        "found": patrol.hazards_found.all(),
        "form": form or (PatrolCheckForm(patrol=patrol, initial=initial) if can_edit else None),
        "map_config": readiness_config(
            track=patrol.track.geojson, covered=[_reach_json(patrol.river, a, b) for a, b in patrol.covered],
            hazards=[{"lat": h.location.y, "lon": h.location.x, "colour": h.risk_colour, "code": h.code} for h in passed],
        ),
    }


def _reach_json(river, start, end):
    return geo.reach(river.centerline, start, end).geojson


@role_required(roles.INSPECTOR)
@require_POST
def patrol_check_add(request, pk):
    patrol = get_patrol_for_user(request.user, pk, edit=True)
    form = PatrolCheckForm(request.POST, request.FILES, patrol=patrol)
    if form.is_valid():
        check = services.patrol_check_record(
            check=form.save(commit=False), photo=form.cleaned_data["photo"], user=request.user)
        messages.success(request, _("Check of %(code)s saved.") % {"code": check.hazard.code})
        return redirect(patrol)
    checks = patrol.checks.select_related("hazard").prefetch_related("photos")
    context = _patrol_context(patrol, checks, True, request, form)
    return render(request, "readiness/patrol_detail.html", context, status=400)


@role_required(roles.INSPECTOR)
def patrol_report_hazard(request, pk):
    """The hazard report form (the register's own), for a new hazard found on this patrol: it links back."""
    patrol = get_patrol_for_user(request.user, pk, edit=True)
    return register._edit(request, Hazard(reported_by=request.user, patrol=patrol, river=patrol.river))


# Evacuation plans

def get_plan_for_user(user, pk, *, edit=False):
    """The plan, if this user may see it (any role) or edit it (inspectors)."""
    return roles.get_for_user(EvacuationPlan.objects.select_related("village__town", "updated_by"), user, edit=edit, pk=pk)


@role_required()
def plan_list(request):
    plans = EvacuationPlan.objects.select_related("village__town").prefetch_related("shelters", "routes")
    return render(request, "readiness/plan_list.html", {
        "plans": plans, "can_edit": roles.has_role(request.user, roles.INSPECTOR),
        "map_config": readiness_config(),
    })


@role_required()
def plan_detail(request, pk):
    plan = get_plan_for_user(request.user, pk)
    return render(request, "readiness/plan_detail.html", {
        "plan": plan, "shelters": plan.shelters.all(), "routes": plan.routes.all(), "contacts": plan.contacts.all(),
        "can_edit": roles.has_role(request.user, roles.INSPECTOR),
        "map_config": readiness_config(plan=plan.pk, village=_latlon(plan.village) if plan.village.geom else None),
    })


@role_required(roles.INSPECTOR)
def plan_create(request):
    return _edit_plan(request, EvacuationPlan())


@role_required(roles.INSPECTOR)
def plan_edit(request, pk):
    return _edit_plan(request, get_plan_for_user(request.user, pk, edit=True))


def _edit_plan(request, plan):
    data = request.POST if request.method == "POST" else None
    try:
        village = None if plan.pk else query_id(request.GET, "village", Village)
    except ValidationError as error:
        raise BadRequest(" ".join(error.messages))
    initial = {"village": village} if village is not None else None
    form = EvacuationPlanForm(data, instance=plan, initial=initial)
    formsets = plan_formsets(data, plan)
    if data is not None and form.is_valid() and all(f.is_valid() for f in formsets.values()):
        plan = services.evacuation_plan_save(plan_form=form, formsets=formsets.values(), user=request.user)
        messages.success(request, _("Evacuation plan of %(village)s saved.") % {"village": plan.village})
        return redirect(plan)
    villages = {v.pk: _latlon(v) for v in Village.objects.exclude(geom=None)}
    return render(request, "readiness/plan_form.html", {
        "form": form, "plan": plan, **formsets, "map_config": readiness_config(villages=villages),
    })


def _latlon(village):
    """Where the map puts a village (its point, or a point inside its area), as [lat, lon]."""
    point = readiness.village_point(village)
    return [point.y, point.x]


# Drills

def get_drill_for_user(user, pk, *, edit=False):
    """The drill, if this user may see it (any role) or edit it (inspectors)."""
    return roles.get_for_user(Drill.objects.select_related("town", "recorded_by"), user, edit=edit, pk=pk)


@role_required()
def drill_list(request):
    drills = Drill.objects.select_related("town").prefetch_related("villages", "follow_ups")
    return render(request, "readiness/drill_list.html", {
        "drills": drills, "can_edit": roles.has_role(request.user, roles.INSPECTOR),
        "season": _season_text(),
    })


def _season_text():
    window_start, season_start = season_in_view()
    return {"after": window_start, "start": season_start}


@role_required()
def drill_detail(request, pk):
    drill = get_drill_for_user(request.user, pk)
    return render(request, "readiness/drill_detail.html", {
        "drill": drill, "villages": drill.villages.all(), "photos": drill.photos.all(),
        "follow_ups": drill.follow_ups.select_related("work_order"),
        "can_edit": roles.has_role(request.user, roles.INSPECTOR),
        "can_order": roles.has_role(request.user, roles.ADMIN),
        "before_season": drill.is_before_season(), "season": _season_text(),
    })


@role_required(roles.INSPECTOR)
def drill_create(request):
    return _edit_drill(request, Drill())


@role_required(roles.INSPECTOR)
def drill_edit(request, pk):
    return _edit_drill(request, get_drill_for_user(request.user, pk, edit=True))


def _edit_drill(request, drill):
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = DrillForm(data, files, instance=drill)
    follow_ups = FollowUpFormSet(data, instance=drill, prefix="follow_ups")
    if data is not None and form.is_valid() and follow_ups.is_valid():
        drill = services.drill_record(
            drill_form=form, follow_up_formset=follow_ups, photos=form.cleaned_data["photos"], user=request.user)
        messages.success(request, _("Drill of %(date)s saved.") % {"date": drill.date.isoformat()})
        return redirect(drill)
    return render(request, "readiness/drill_form.html", {"form": form, "drill": drill, "follow_ups": follow_ups})


def get_follow_up_for_user(user, pk):
    """A drill's follow-up action, for someone who may create work orders (admins, as for every order)."""
    follow_up = get_object_or_404(DrillFollowUp.objects.select_related("drill__town", "work_order"), pk=pk)
    if not roles.has_role(user, roles.ADMIN):
        raise PermissionDenied
    return follow_up


@role_required(roles.ADMIN)
def follow_up_work_order(request, pk):
    follow_up = get_follow_up_for_user(request.user, pk)
    if follow_up.work_order_id:
        messages.info(request, _("This follow-up already has a work order."))
        return redirect(follow_up.drill)
    form = FollowUpWorkOrderForm(request.POST or None, follow_up=follow_up)
    if request.method == "POST" and form.is_valid():
        order = services.follow_up_create_work_order(follow_up=follow_up, order=form.instance, user=request.user)
        messages.success(request, _("Work order #%(n)s created from the follow-up.") % {"n": order.pk})
        return redirect(follow_up.drill)
    return render(request, "readiness/follow_up_work_order.html", {"form": form, "follow_up": follow_up})


# Readiness

@role_required()
def readiness_table(request):
    river = River.objects.filter(code=request.GET.get("river")).first() if request.GET.get("river") else None
    rows = readiness.village_readiness(river=river)
    show = request.GET.get("show", "")
    if show not in readiness.READINESS_VIEWS:
        show = ""
    shown = [row for row in rows if readiness.READINESS_VIEWS[show](row)] if show else rows
    window_start, season_start = season_in_view()
    hazards_missing = response.hazards_missing_people(river=river)
    return render(request, "readiness/readiness_table.html", {
        "rows": shown, "all_rows": rows, "show": show, "show_choices": readiness_show_choices(),
        "rivers": River.objects.all(), "river": river,
        "hazards_missing": hazards_missing, "season_year": season_start.year,
        "missing_people": sum(bool(r.missing_people) for r in rows) + len(hazards_missing),
        "flagged": sum(r.flagged for r in rows), "not_ready": sum(not r.ready for r in rows), "village_count": len(rows),
        "season_start": season_start, "window_start": window_start,
        "distance_m": settings.READINESS_RIVER_DISTANCE_M, "downstream_m": settings.AT_RISK_DOWNSTREAM_M,
        "map_config": readiness_config(villages=[_village_feature(r) for r in rows]),
    })


def readiness_show_choices():
    return [("", _("All villages")), ("flagged", _("At risk, without a plan or a drill")),
            ("at_risk", _("At risk")), ("not_ready", _("Not ready")), ("ready", _("Ready")),
            ("no_plan", _("Without an evacuation plan")), ("no_drill", _("Without a drill before the season"))]


def _village_feature(row):
    lat, lon = _latlon(row.village)
    return {"lat": lat, "lon": lon, "name": str(row.village), "ready": row.ready, "flagged": row.flagged, "gaps": row.gaps}
