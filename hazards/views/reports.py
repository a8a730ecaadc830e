"""Risk lists: the PDF and CSV downloads, and the inspection tours they can be made from."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import jobs, roles, throttle
from ..filters import query_id
from ..models import Job, River, Tour
from ..reports import selection
from ..reports.selection import SelectionError
from ..reports.tours import TourForm, can_change, get_tour_for_user, presets
from ..roles import role_required
from .jobs import result_response
from .register import map_config


def _tour(request):
    """The saved tour the query names (tour=<id>), fetched for this user, or None."""
    try:
        pk = query_id(request.GET, "tour", Tour)
    except ValidationError as error:
        raise SelectionError({"tour": " ".join(error.messages)})
    return get_tour_for_user(request.user, pk) if pk is not None else None


@role_required()
def risk_list(request, extension):
    """GET /reports/risk-list.pdf or .csv: the hazards for the filters of /api/hazards/, a saved
    tour (tour=<id>) or stops picked on the map (code=…), river by river, upstream to downstream.

    Made by a background job (hazards/jobs.py). A list of at most REPORT_DIRECT_STOPS stops (a
    tour) is answered here once ready, if within REPORT_WAIT_SECONDS; a longer one sends the user
    to "My downloads", where its progress shows. Bounded: at most REPORT_MAX_STOPS stops a list,
    REPORT_REQUESTS_PER_MINUTE lists a minute and JOBS_PER_USER unfinished jobs per user."""
    allowance = throttle.take("risk-list", request.user.pk, limit=settings.REPORT_REQUESTS_PER_MINUTE)
    if not allowance.allowed:
        return _too_often(request, allowance.retry_after)
    try:
        tour = _tour(request)
        stops = selection.count(request.GET, tour=tour)
    except SelectionError as error:
        return _refused(request, 400, [f"{name}: {text}" for name, text in error.errors.items()])
    if stops > settings.REPORT_MAX_STOPS:
        return _refused(request, 400, [_(
            "This list would have %(count)s stops; at most %(limit)s can be printed at once. Narrow it with the "
            "filters (a river, a town, a risk level, open hazards only), or plan an inspection tour with the stops "
            "you will visit."
        ) % {"count": stops, "limit": settings.REPORT_MAX_STOPS}])
    title = _("%(n)s stops") % {"n": stops} if not tour else tour.name
    try:
        job = jobs.start(Job.Kind.RISK_LIST, request.user, title=f"{title} · {extension.upper()}", total=stops,
                         params={"extension": extension, "query": _query_pairs(request), "tour": tour and tour.pk})
    except jobs.TooManyJobs:
        return _too_many_jobs(request)
    if stops <= settings.REPORT_DIRECT_STOPS and jobs.wait(job, settings.REPORT_WAIT_SECONDS) and job.has_file:
        return result_response(job)
    return redirect(job)


def _query_pairs(request):
    return [[name, value] for name in request.GET for value in request.GET.getlist(name) if name != "tour"]


def _too_often(request, retry_after):
    response = _refused(request, 429, [_(
        "You asked for many risk lists in a short time. Wait %(s)s seconds, then download again."
    ) % {"s": retry_after}])
    response["Retry-After"] = str(retry_after)
    return response


def _too_many_jobs(request):
    """429: the user's earlier downloads are still being made."""
    response = _refused(request, 429, [_(
        "You have %(n)s downloads still being made. Wait for them on My downloads, then ask again."
    ) % {"n": settings.JOBS_PER_USER}])
    response["Retry-After"] = "30"
    return response


def _refused(request, status, reasons):
    """A page saying why no risk list was made, and what to do instead."""
    return render(request, "reports/refused.html", {"reasons": reasons}, status=status)


@role_required()
def tour_list(request):
    tours = Tour.objects.select_related("created_by").annotate(stop_count=Count("hazards"))
    return render(request, "reports/tour_list.html", {
        "tours": tours, "can_plan": roles.has_role(request.user, roles.LEADER),
    })


@role_required(roles.LEADER)
def tour_create(request):
    return _plan(request, Tour(created_by=request.user))


@role_required()
def tour_detail(request, pk):
    """A saved tour: its stops on the map and in driving order; its author may change it here."""
    return _plan(request, get_tour_for_user(request.user, pk, edit=request.method == "POST"))


@require_POST
@role_required()
def tour_delete(request, pk):
    tour = get_tour_for_user(request.user, pk, edit=True)
    tour.delete()
    messages.success(request, _("Deleted the tour %(name)s.") % {"name": tour.name})
    return redirect("hazards:tours")


def _plan(request, tour):
    editable = tour.pk is None or can_change(request.user, tour)
    form = TourForm(request.POST or None, instance=tour)
    if request.method == "POST" and form.is_valid():
        tour = form.save()
        messages.success(request, _("Saved the tour %(name)s.") % {"name": tour.name})
        return redirect(tour)
    stops = list(tour.stops().select_related("river")) if tour.pk else []
    selected = form["hazards"].value() if form.is_bound else [stop.code for stop in stops]
    return render(request, "reports/tour.html", {
        "form": form, "tour": tour, "stops": stops, "editable": editable,
        "map_config": map_config(
            selected=list(selected or []), editable=editable, presets=presets(),
            rivers=[river.code for river in River.objects.all()],
            reportUrl=reverse("hazards:risk-list-pdf"), csvUrl=reverse("hazards:risk-list-csv"),
            tourText={
                "empty": _("No stops yet: click hazards on the map, or start from a preset."),
                "remove": _("Remove"), "add": _("Click to add to the tour"), "stops": _("%(n)s stops"),
            },
        ),
    })
