"""Risk lists: the PDF and CSV downloads, and the inspection tours they can be made from."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import roles, throttle
from ..models import River, Tour
from ..reports import csv_export, pdf
from ..reports.selection import SelectionError, SelectionTooLarge, select
from ..reports.tours import TourForm, can_change, get_tour_for_user, presets
from ..roles import role_required
from .register import map_config


def _tour(request):
    """The saved tour the query names (tour=<id>), fetched for this user, or None."""
    pk = request.GET.get("tour")
    if not pk:
        return None
    if not pk.isdigit():
        raise Http404
    return get_tour_for_user(request.user, int(pk))


RENDERERS = {  # extension: (content type, render(selection, user))
    "pdf": ("application/pdf", pdf.risk_list_pdf),
    "csv": ("text/csv; charset=utf-8", lambda selection, user: csv_export.csv_text(selection)),
}


@role_required()
def risk_list(request, extension):
    """GET /reports/risk-list.pdf or .csv: the hazards for the filters of /api/hazards/, a saved
    tour (tour=<id>) or stops picked on the map (code=…), river by river, upstream to downstream.

    Bounded: at most REPORT_MAX_STOPS stops a list, REPORT_REQUESTS_PER_MINUTE lists a minute per user."""
    allowance = throttle.take("risk-list", request.user.pk, limit=settings.REPORT_REQUESTS_PER_MINUTE)
    if not allowance.allowed:
        response = _refused(request, 429, [_(
            "You asked for many risk lists in a short time. Wait %(s)s seconds, then download again."
        ) % {"s": allowance.retry_after}])
        response["Retry-After"] = str(allowance.retry_after)
        return response
    try:
        selection = select(request.GET, tour=_tour(request), max_stops=settings.REPORT_MAX_STOPS)
    except SelectionError as error:
        return _refused(request, 400, [f"{name}: {text}" for name, text in error.errors.items()])
    except SelectionTooLarge as error:
        return _refused(request, 400, [_(
            "This list would have %(count)s stops; at most %(limit)s can be printed at once. Narrow it with the "
            "filters (a river, a town, a risk level, open hazards only), or plan an inspection tour with the stops "
            "you will visit."
        ) % {"count": error.count, "limit": error.limit}])
    content_type, render = RENDERERS[extension]
    response = HttpResponse(render(selection, request.user), content_type=content_type)
    stamp = timezone.localtime(selection.generated_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="risk-list-{stamp}.{extension}"'
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
