"""Citizen reports from the 12345 hotline: the queue, one report with its likely duplicate on a map, and the
inspector's decisions (take it on, confirm into a new hazard, attach to a known one, reject with a reason)."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import hotline, roles, services
from ..forms import HazardForm
from ..forms.citizen import AttachForm, RejectForm
from ..models import CitizenReport, Hazard
from ..roles import role_required
from .register import map_config

ONE_DAY = timedelta(days=1)
# The list's views (?show=): the queue's tabs, and the lists behind the dashboard's figures.
VIEWS = {
    "awaiting": lambda reports: reports.awaiting(),
    "urgent": lambda reports: reports.urgent(),
    "overdue": lambda reports: reports.overdue().exclude(status=CitizenReport.Status.REJECTED),
    "open": lambda reports: reports.open(),
    "answered_in_a_day": lambda reports: reports.answered_within(ONE_DAY),
    "closed": lambda reports: reports.closed(),
    "all": lambda reports: reports,
}


def reports_for_list():
    return CitizenReport.objects.select_related("hazard", "river", "client", "assigned_to", "duplicate_hazard")


def get_report_for_user(user, pk):
    """Any role reads a report (its reporter's contact only for inspectors and admins: may_see_contact)."""
    return get_object_or_404(reports_for_list(), pk=pk)


def may_see_contact(user):
    return roles.has_role(user, roles.INSPECTOR)


@role_required()
def report_list(request):
    shown = request.GET.get("show", "awaiting")
    if shown not in VIEWS:
        shown = "all"
    reports = VIEWS[shown](reports_for_list())
    return render(request, "citizen/report_list.html", {
        "reports": reports[:500], "count": reports.count(), "shown": shown, "summary": hotline.summary(CitizenReport.objects.all()),
    })


@role_required()
def report_detail(request, pk, *, attach_form=None, reject_form=None, status=200):
    report = get_report_for_user(request.user, pk)
    candidate = report.duplicate_hazard or report.duplicate_report
    points = []
    if report.location:
        points.append({"latlng": [report.location.y, report.location.x], "label": _("This report"), "colour": "#6a3d9a"})
    if report.hazard and report.hazard.location:
        points.append({"latlng": [report.hazard.location.y, report.hazard.location.x], "label": report.hazard.code,
                       "colour": report.hazard.risk_colour})
    if candidate is not None and getattr(candidate, "location", None):
        label = candidate.code if isinstance(candidate, Hazard) else _("Report #%(id)d") % {"id": candidate.pk}
        colour = candidate.risk_colour if isinstance(candidate, Hazard) else "#888888"
        points.append({"latlng": [candidate.location.y, candidate.location.x], "label": _("Likely duplicate: %(what)s")
                       % {"what": label}, "colour": colour})
    return render(request, "citizen/report_detail.html", {
        "report": report, "candidate": candidate, "see_contact": may_see_contact(request.user),
        "can_decide": roles.has_role(request.user, roles.INSPECTOR) and report.status == CitizenReport.Status.AWAITING,
        "status_notes": hotline.status_notes(report), "agency": hotline.agency_responsible(report),
        "attach_form": attach_form or AttachForm(initial={"hazard": getattr(report.duplicate_hazard, "code", "")}),
        "reject_form": reject_form or RejectForm(),
        "map_config": map_config(points=points),
    }, status=status)


def _decision(request, pk, decide, done=None):
    """Run a decision; a report decided meanwhile (or a bad value) says so on its page."""
    try:
        decide()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if done:
            messages.success(request, done)
    return redirect("hazards:citizen-report", pk=pk)


@require_POST
@role_required(roles.INSPECTOR)
def report_take(request, pk):
    report = get_report_for_user(request.user, pk)
    return _decision(request, report.pk, lambda: services.citizen_report_take(report_id=report.pk, user=request.user))


@require_POST
@role_required(roles.INSPECTOR)
def report_attach(request, pk):
    report = get_report_for_user(request.user, pk)
    form = AttachForm(request.POST)
    if not form.is_valid():
        return report_detail(request, pk, attach_form=form, status=400)
    hazard = form.cleaned_data["hazard"]
    return _decision(request, report.pk, lambda: services.citizen_report_attach(
        report_id=report.pk, user=request.user, hazard=hazard), _("Attached to %(code)s.") % {"code": hazard.code})


@require_POST
@role_required(roles.INSPECTOR)
def report_reject(request, pk):
    report = get_report_for_user(request.user, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return report_detail(request, pk, reject_form=form, status=400)
    return _decision(request, report.pk, lambda: services.citizen_report_reject(
        report_id=report.pk, user=request.user, reason=form.cleaned_data["reason"]))


@role_required(roles.INSPECTOR)
def report_confirm(request, pk):
    """The hazard form, filled from the report; saved through the hazard's own service."""
    report = get_report_for_user(request.user, pk)
    if report.status != CitizenReport.Status.AWAITING:
        messages.error(request, _("This report has already been decided (%(status)s).") % {"status": report.get_status_display()})
        return redirect(report)
    initial = {"title": f"{report.get_service_code_display()} (12345 #{report.pk})"[:200], "kind": report.kind,
               "river": report.river_id, "description": report.description, "status": Hazard.Status.CONFIRMED}
    if report.location:
        initial.update(latitude=round(report.location.y, 6), longitude=round(report.location.x, 6))
    form = HazardForm(request.POST or None, request.FILES or None, instance=Hazard(reported_by=request.user), initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report = services.citizen_report_confirm(report_id=report.pk, user=request.user,
                                                         hazard=form.save(commit=False), photos=form.all_photos())
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                form.forget_kept_photos()
                messages.success(request, _("Confirmed as %(code)s.") % {"code": report.hazard.code})
                return redirect(report.hazard)
        form.keep_photos()
    else:
        messages.info(request, _("Confirming 12345 report #%(id)d as a new hazard: check the place and the details, "
                                 "then save.") % {"id": report.pk})
    return render(request, "hazards/hazard_form.html",
                  {"form": form, "report": report, "hazard": form.instance, "current": None, "map_config": map_config()},
                  status=status)
