"""Pages of the flood response: the board at /response/, declarations and their history, calls confirmed with one
tap, evacuation counts from a phone, responsible persons, obstruction owners, materials and teams, duty, gauges."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import geo, response, roles, services
from ..filters import query_id
from ..forms.response import (
    ActionForm,
    DeclarationForm,
    DutyLogForm,
    DutyShiftForm,
    EvacuationForm,
    GaugeReadingForm,
    ObstructionOwnerForm,
    ResponsibilityFormSet,
    ResponsiblePersonForm,
    UploadForm,
)
from ..imports import files, pending
from ..imports import people as people_file
from ..imports import readings as readings_import
from ..models import (
    CallOut,
    Declaration,
    DeclarationAction,
    DepotItem,
    DutyLogEntry,
    DutyShift,
    Evacuation,
    Gauge,
    GaugeAlert,
    GaugeReading,
    Hazard,
    ObstructionOwner,
    RescueTeam,
    Responsibility,
    ResponsiblePerson,
)
from ..models.response import WARNING_COLOURS
from ..roles import role_or_person_required, role_required
from . import register


def _may_declare_or_403(user):
    if not roles.may_declare(user):
        raise PermissionDenied


# The board ---------------------------------------------------------------------------------------

def _declarations(queryset):
    calls = CallOut.objects.select_related("person").order_by("person__unit", "person__name")
    return queryset.select_related("river", "town", "declared_by", "ended_by").prefetch_related(
        Prefetch("actions", queryset=DeclarationAction.objects.select_related("done_by")),
        Prefetch("call_outs", queryset=calls))


@role_required()
def response_board(request):
    declarations = list(_declarations(Declaration.objects.filter(ended_at=None)))
    may_declare = roles.may_declare(request.user)
    return render(request, "response/board.html", {
        "declarations": declarations,
        "evacuations": response.evacuations_under_way(),
        "totals": response.evacuation_totals(),
        "alerts": GaugeAlert.objects.filter(closed_at=None).select_related("gauge__river", "reading"),
        "shifts": response.shifts_now(),
        "severe": _severe_hazards(),
        "form": DeclarationForm() if may_declare else None,
        "may_declare": may_declare,
        "show_phones": roles.may_see_phones(request.user),
        "past": Declaration.objects.exclude(ended_at=None).select_related("river", "town")[:5],
        "map_config": _map_config(),
        "state_url": reverse("hazards:response-state"),
        "refresh_seconds": settings.RESPONSE_BOARD_REFRESH_SECONDS,
    })


def _severe_hazards():
    """Open red and orange hazards with their people, nearest depot and team: [(hazard, people, missing, depot,
    metres, team)]."""
    hazards = Hazard.objects.filter(risk_level__in=response.SEVERE_RISKS, status__in=Hazard.OPEN_STATUSES)
    people, resources = response.People.load(), response.Resources.load()
    rows = []
    for hazard in hazards.select_related("river", "town", "village"):
        found, missing = response.hazard_people(hazard, people)
        depot, metres = resources.nearest_depot(hazard)
        rows.append((hazard, found, missing, depot, metres, resources.team_for(hazard)))
    return rows


def _map_config():
    gauges = list(Gauge.objects.select_related("river").prefetch_related(
        Prefetch("readings", queryset=GaugeReading.objects.order_by("-observed_at")[:1], to_attr="latest")))
    marked = {gauge.pk: (label, warning) for gauge, _reading, label, warning in response.gauge_stretches(gauges)}
    resources = response.Resources.load()
    return register.map_config(
        responseText={"depot": _("Materials depot"), "team": _("Rescue team"), "gauge": _("Gauge"),
                      "approximate": _("position approximate"), "over": _("over its %(threshold)s")},
        depots=[_point(d.location, d.name, d.approximate) for d in resources.depots],
        teams=[_point(t.base, t.name, t.approximate) for t in resources.teams],
        gauges=[{**_point(g.location, g.name, g.approximate),
                 "reading": f"{g.latest[0].value} {g.unit}" if g.latest else "",
                 "threshold": str(marked[g.pk][0]) if g.pk in marked else "",
                 "colour": WARNING_COLOURS[marked[g.pk][1]] if g.pk in marked else "",
                 "stretch": geo.reach(g.river.centerline, g.stretch_start_m, g.stretch_end_m).geojson
                 if g.pk in marked else None} for g in gauges],
    )


def _point(point, name, approximate):
    return {"lat": point.y, "lon": point.x, "name": name, "approximate": approximate}


@role_required()
def response_state(request):
    """What the board shows live: each call's state, each evacuation's counts, the district's totals."""
    declarations = _declarations(Declaration.objects.filter(ended_at=None))
    totals = response.evacuation_totals()
    return JsonResponse({
        "calls": {call.pk: {"state": call.state, "label": response.call_label(call)}
                  for declaration in declarations for call in declaration.call_outs.all()},
        "evacuations": {e.pk: {"moved": e.moved, "to_move": e.to_move, "returned": e.returned, "percent": e.percent,
                               "vulnerable_moved": e.vulnerable_moved, "vehicles": e.vehicles}
                        for e in response.evacuations_under_way()},
        "totals": {"moved": totals.moved, "to_move": totals.to_move, "percent": totals.percent,
                   "text": response.totals_text(totals)},
    })


# Declarations --------------------------------------------------------------------------------------

@role_required()
def declare(request):
    _may_declare_or_403(request.user)
    alert = _alert_from(request)
    initial = None
    if alert is not None:
        initial = {"warning": alert.suggested, "scope": Declaration.Scope.RIVER, "river": alert.gauge.river_id,
                   "note": f"{alert.gauge.name} {alert.reading.value} {alert.gauge.unit} ({alert.threshold})"}
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_declare(declaration=form.instance, user=request.user, alert=alert)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("%(declaration)s declared; %(n)s responsible persons called.") % {
                "declaration": declaration, "n": declaration.call_outs.count()})
            return redirect("hazards:response")
    return render(request, "response/declare.html", {"form": form, "alert": alert},
                  status=400 if request.method == "POST" else 200)


def _alert_from(request):
    try:
        pk = query_id(request.GET, "alert", GaugeAlert)
    except ValidationError as error:
        raise BadRequest(" ".join(error.messages))
    if pk is None:
        return None
    return get_object_or_404(GaugeAlert.objects.select_related("gauge__river", "reading"), pk=pk, closed_at=None)


@role_required()
@require_POST
def declaration_end(request, pk):
    _may_declare_or_403(request.user)
    declaration = get_object_or_404(Declaration, pk=pk)
    try:
        services.declaration_end(declaration_id=declaration.pk, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(declaration)s ended.") % {"declaration": declaration})
    return redirect("hazards:response")


@role_required()
def declaration_detail(request, pk):
    declaration = get_object_or_404(_declarations(Declaration.objects.all()), pk=pk)
    evacuations = declaration.evacuations.select_related("village__town", "plan").prefetch_related(
        "occupancy__shelter", "plan__shelters")
    return render(request, "response/declaration_detail.html", {
        "declaration": declaration, "evacuations": evacuations,
        "totals": response.evacuation_totals(declaration.evacuations.all()),
        "show_phones": roles.may_see_phones(request.user), "may_declare": roles.may_declare(request.user),
    })


@role_required()
def declaration_history(request):
    declarations = Declaration.objects.select_related("river", "town", "declared_by", "ended_by")
    return render(request, "response/history.html", {"declarations": declarations[:500]})


@role_required()
@require_POST
def action_tick(request, pk):
    _may_declare_or_403(request.user)
    action = get_object_or_404(DeclarationAction, pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return render(request, "response/refused.html", {"errors": form.errors}, status=400)
    try:
        services.action_tick(action_id=action.pk, user=request.user, done=form.cleaned_data["done"],
                             note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(request.POST.get("next") if request.POST.get("next") == action.declaration.get_absolute_url()
                    else reverse("hazards:response"))


# Calls: the one-tap link, and evacuation counts through it ------------------------------------------------

def _call_or_404(token):
    call = CallOut.from_token(token)
    if call is None:
        raise Http404
    return call


def call_out_confirm(request, token):
    """The link in a call: a page with one button (a link preview that only looks at the page confirms nothing).
    No login: the signed link is the proof."""
    call = _call_or_404(token)
    if request.method == "POST" and services.call_out_confirm(call_out_id=call.pk):
        call.refresh_from_db()
    return render(request, "response/confirm.html", {
        "call": call, "token": token, "evacuations": _lead_evacuations(call),
    })


def _lead_evacuations(call):
    """The evacuations under way in villages the called person leads the evacuation of."""
    villages = Responsibility.objects.filter(person=call.person, role=Responsibility.Role.EVACUATION,
                                             season=response.current_season()).values("village")
    return Evacuation.objects.filter(ended_at=None, village__in=villages).select_related("village__town")


def call_out_evacuation(request, token, pk):
    """Counts entered through a call's link, by the village's evacuation lead: no password needed on a phone."""
    call = _call_or_404(token)
    evacuation = get_object_or_404(_lead_evacuations(call).select_related("plan"), pk=pk)
    return _edit_evacuation(request, evacuation, entered_by=call.person.name,
                            back=reverse("hazards:call-out-confirm", args=[token]))


@role_or_person_required
def evacuation_edit(request, pk):
    evacuation = get_object_or_404(Evacuation.objects.select_related("village__town", "plan", "declaration"), pk=pk)
    if not response.may_enter_evacuation(request.user, evacuation):
        raise PermissionDenied
    return _edit_evacuation(request, evacuation, entered_by=request.user.get_full_name() or request.user.username,
                            back=reverse("hazards:response"), user=request.user)


def _edit_evacuation(request, evacuation, *, entered_by, back, user=None):
    form = EvacuationForm(request.POST or None, instance=evacuation)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.evacuation_save(evacuation=form.instance, occupancy=form.occupancy(), entered_by=entered_by,
                                         user=user, version=form.cleaned_data["version"])
            except services.StaleVersion as stale:
                form.add_error(None, _("Someone else entered counts meanwhile: the village now has %(moved)s moved. "
                                       "Check them and send yours again.") % {"moved": stale.current.moved})
                form.data = form.data.copy()
                form.data["version"] = stale.current.version
                status = 409
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("%(village)s: %(moved)s of %(to_move)s moved.") % {
                    "village": evacuation.village, "moved": evacuation.moved, "to_move": evacuation.to_move})
                return redirect(back)
    if ended := evacuation.ended_at is not None:
        form = None
    return render(request, "response/evacuation_form.html", {
        "evacuation": evacuation, "form": form, "back": back, "ended": ended,
    }, status=status)


# Responsible persons ------------------------------------------------------------------------------

@role_required()
def people_list(request):
    season = response.current_season()
    persons = ResponsiblePerson.objects.select_related("user").prefetch_related(Prefetch(
        "responsibilities", queryset=Responsibility.objects.filter(season=season).select_related(
            "hazard", "river", "village__town", "work_order")))
    return render(request, "response/people.html", {
        "persons": persons, "season": season, "show_phones": roles.may_see_phones(request.user),
        "may_edit": roles.has_role(request.user, roles.ADMIN),
    })


def get_person_for_user(user, pk, *, edit=False):
    """The person, for any role to read; admins edit."""
    person = get_object_or_404(ResponsiblePerson.objects.select_related("user"), pk=pk)
    if edit and not roles.has_role(user, roles.ADMIN):
        raise PermissionDenied
    return person


@role_required()
def person_detail(request, pk):
    person = get_person_for_user(request.user, pk)
    return render(request, "response/person_detail.html", {
        "person": person, "show_phones": roles.may_see_phones(request.user),
        "responsibilities": person.responsibilities.select_related("hazard", "river", "village__town", "work_order"),
        "calls": person.call_outs.select_related("declaration__river", "declaration__town")[:20],
        "may_edit": roles.has_role(request.user, roles.ADMIN),
    })


@role_required(roles.ADMIN)
def person_create(request):
    return _edit_person(request, ResponsiblePerson())


@role_required(roles.ADMIN)
def person_edit(request, pk):
    return _edit_person(request, get_person_for_user(request.user, pk, edit=True))


def _edit_person(request, person):
    data = request.POST if request.method == "POST" else None
    initial = _responsibility_initial(request) if person.pk is None else None
    form = ResponsiblePersonForm(data, instance=person)
    formset = ResponsibilityFormSet(data, instance=person, prefix="places", initial=initial)
    if data is not None and form.is_valid() and formset.is_valid():
        person = services.responsible_person_save(person_form=form, responsibilities=formset, user=request.user)
        messages.success(request, _("%(name)s saved.") % {"name": person.name})
        return redirect(person)
    return render(request, "response/person_form.html", {"form": form, "formset": formset, "person": person},
                  status=400 if data is not None else 200)


def _responsibility_initial(request):
    """"Name a person" from a hazard's or a village's page starts with that place."""
    code = request.GET.get("hazard", "")
    hazard = Hazard.objects.filter(code=code).first() if code and len(code) <= 16 else None
    return [{"hazard": hazard.code}] if hazard else None


@role_required(roles.ADMIN)
def people_import(request):
    """Upload a spreadsheet, see what it would do (new people, new places, bad rows), then import it all or nothing."""
    form = UploadForm(accept=".xlsx,.csv")
    plan = token = None
    if request.method == "POST" and request.POST.get("token"):
        return _people_import_confirm(request, request.POST["token"])
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, accept=".xlsx,.csv")
        if form.is_valid():
            try:
                plan = people_file.read(form.cleaned_data["file"])
            except files.FileRefused as error:
                form.add_error("file", error)
            else:
                if not plan.bad:
                    token = pending.keep(form.cleaned_data["file"], request.user)
    status = 400 if request.method == "POST" and (plan is None or plan.bad) else 200
    return render(request, "response/people_import.html", {"form": form, "plan": plan, "token": token}, status=status)


def _people_import_confirm(request, token):
    kept = pending.upload_of(token, request.user)
    if kept is None:
        return render(request, "response/people_import.html", {
            "form": UploadForm(accept=".xlsx,.csv"),
            "error": _("That upload has expired or is not yours; upload the file again."),
        }, status=400)
    path, name = kept
    try:
        plan = people_file.apply(people_file.read(path, name), request.user)
    except (files.FileRefused, ValidationError) as error:
        messages.error(request, " ".join(error.messages))
        return redirect("hazards:people-import")
    finally:
        pending.forget(token, request.user)
    messages.success(request, _("Imported from %(name)s: %(people)s new people, %(places)s new responsibilities.")
                     % {"name": name, "people": plan.new_people, "places": len(plan.responsibilities)})
    return redirect("hazards:people")


# The obstruction's owner (设障者) -------------------------------------------------------------------

@role_required(roles.INSPECTOR)
def hazard_owner(request, code):
    hazard = register.get_hazard_for_user(request.user, code, edit=True)
    owner = ObstructionOwner.objects.filter(hazard=hazard).first() or ObstructionOwner(hazard=hazard)
    form = ObstructionOwnerForm(request.POST or None, instance=owner)
    if request.method == "POST" and form.is_valid():
        owner = form.save(commit=False)
        owner._history_user = request.user
        owner.save()
        messages.success(request, _("Owner of %(code)s saved.") % {"code": hazard.code})
        return redirect(hazard)
    return render(request, "response/owner_form.html", {"form": form, "hazard": hazard},
                  status=400 if request.method == "POST" else 200)


# Materials and rescue teams ----------------------------------------------------------------------

@role_required()
def resources_page(request):
    resources = response.Resources.load()
    items = DepotItem.objects.select_related("depot")
    by_depot = {}
    for item in items:
        by_depot.setdefault(item.depot_id, []).append(item)
    return render(request, "response/resources.html", {
        "depots": [(depot, by_depot.get(depot.pk, [])) for depot in resources.depots],
        "teams": RescueTeam.objects.select_related("town").prefetch_related("hazards", "stretches__river"),
        "severe": _severe_hazards(), "show_phones": roles.may_see_phones(request.user),
        "map_config": _map_config(),
    })


# Duty -------------------------------------------------------------------------------------------

def _may_log(user):
    return roles.may_declare(user)


@role_required()
def duty(request):
    now = timezone.now()
    shifts = DutyShift.objects.filter(ends_at__gte=now - timezone.timedelta(days=7)).select_related(
        "leader").prefetch_related("staff").order_by("starts_at")
    return render(request, "response/duty.html", {
        "shifts": shifts, "now": now, "log": DutyLogEntry.objects.select_related("recorded_by")[:100],
        "log_form": DutyLogForm() if _may_log(request.user) else None,
        "may_plan": roles.has_role(request.user, roles.LEADER),
    })


@role_required()
@require_POST
def duty_log_add(request):
    if not _may_log(request.user):
        raise PermissionDenied
    form = DutyLogForm(request.POST)
    if form.is_valid():
        entry = form.save(commit=False)
        entry.recorded_by = request.user
        entry.shift = DutyShift.objects.at(entry.at).first()
        entry.save()
        messages.success(request, _("Entered in the duty log."))
        return redirect("hazards:duty")
    return render(request, "response/duty_log_form.html", {"form": form}, status=400)


@role_required(roles.LEADER)
def shift_create(request):
    form = DutyShiftForm(request.POST or None, instance=DutyShift(created_by=request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Shift saved."))
        return redirect("hazards:duty")
    return render(request, "response/shift_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


# Gauges -----------------------------------------------------------------------------------------

def _may_read_gauges(user):
    return roles.has_role(user, roles.INSPECTOR, roles.LEADER) or roles.may_declare(user)


@role_required()
def gauges(request):
    stations = Gauge.objects.select_related("river").prefetch_related(
        Prefetch("readings", queryset=GaugeReading.objects.order_by("-observed_at")[:1], to_attr="latest"))
    return render(request, "response/gauges.html", {
        "gauges": stations,
        "readings": GaugeReading.objects.select_related("gauge", "recorded_by")[:50],
        "form": GaugeReadingForm(initial={"observed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
        if _may_read_gauges(request.user) else None,
        "may_read": _may_read_gauges(request.user),
    })


@role_required()
@require_POST
def gauge_reading_add(request):
    if not _may_read_gauges(request.user):
        raise PermissionDenied
    form = GaugeReadingForm(request.POST)
    if form.is_valid():
        alert = services.gauge_reading_record(reading=form.instance, user=request.user)
        if alert:
            messages.warning(request, _("%(gauge)s is over its %(threshold)s: a %(warning)s is suggested to the person "
                                        "on duty.") % {"gauge": alert.gauge.name, "threshold": alert.threshold,
                                                       "warning": alert.get_suggested_display()})
        else:
            messages.success(request, _("Reading saved."))
        return redirect("hazards:gauges")
    return render(request, "response/reading_form.html", {"form": form}, status=400)


@role_required()
def gauge_readings_import(request):
    if not _may_read_gauges(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, accept=".csv,.txt")
    plan = None
    if request.method == "POST" and form.is_valid():
        try:
            plan = readings_import.read(form.cleaned_data["file"])
        except files.FileRefused as error:
            form.add_error("file", error)
        else:
            if not plan.bad:
                alerts = services.gauge_readings_import(readings=plan.readings, user=request.user)
                messages.success(request, _("%(n)s readings imported, %(same)s already recorded; %(alerts)s warnings "
                                            "suggested.") % {"n": len(plan.readings), "same": plan.unchanged,
                                                             "alerts": len(alerts)})
                return redirect("hazards:gauges")
    return render(request, "response/readings_import.html", {"form": form, "plan": plan},
                  status=400 if request.method == "POST" else 200)


@role_required()
@require_POST
def alert_close(request, pk):
    _may_declare_or_403(request.user)
    alert = get_object_or_404(GaugeAlert, pk=pk)
    services.gauge_alert_close(alert_id=alert.pk, user=request.user)
    messages.info(request, _("Suggestion closed without a declaration."))
    return redirect("hazards:response")

