"""Risk lists: the PDF and CSV downloads, and the inspection tours they can be made from."""

import io

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import roles
from ..models import River, Tour
from ..reports import csv_export, pdf
from ..reports.selection import SelectionError, select
from ..reports.tours import TourForm, can_change, get_tour_for_user, presets
from ..roles import role_required
from .register import map_config


def _selection(request):
    """The selection the query asks for, or the 400 response that says what is wrong with it."""
    tour = None
    if request.GET.get("tour"):
        if not request.GET["tour"].isdigit():
            raise Http404
        tour = get_tour_for_user(request.user, int(request.GET["tour"]))
    try:
        return select(request.GET, tour=tour), None
    except SelectionError as error:
        lines = [_("This risk list cannot be made:")] + [f"{name}: {text}" for name, text in error.errors.items()]
        return None, HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


def _download(content, content_type, extension):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="risk-list-{stamp}.{extension}"'
    return response


@role_required()
def risk_list_pdf(request):
    """GET /reports/risk-list.pdf: the risk list for the filters of /api/hazards/, a tour, or chosen codes."""
    selection, error = _selection(request)
    if error:
        return error
    return _download(pdf.risk_list_pdf(selection, request.user), "application/pdf", "pdf")


@role_required()
def risk_list_csv(request):
    """GET /reports/risk-list.csv: the same selection as the PDF, for a spreadsheet."""
    selection, error = _selection(request)
    if error:
        return error
    out = io.StringIO()
    csv_export.write_csv(selection, out)
    return _download(out.getvalue(), "text/csv; charset=utf-8", "csv")


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
