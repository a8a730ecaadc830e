"""Writes that touch several objects: hazards, progress, acceptance and what follows; patrols, plans, drills;
the flood response (declarations, calls and escalations, evacuations, gauges).

Each runs in one transaction. Hazards and work orders are Versioned: a change
made against a version that is no longer current is refused (StaleVersion),
whoever makes it. Work-order writes lock the order, then its hazard, always in
that order, so two writers never wait for each other in a circle.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import notifications, notify, response, roles
from .models import (
    WARNING_RANK,
    Acceptance,
    AcceptancePhoto,
    CallOut,
    ChecklistItem,
    CitizenReport,
    Declaration,
    DeclarationAction,
    DrillFollowUp,
    DrillPhoto,
    DutyLogEntry,
    DutyShift,
    Evacuation,
    Gauge,
    GaugeAlert,
    Hazard,
    HazardPhoto,
    Notice,
    PatrolCheck,
    PatrolPhoto,
    ProgressPhoto,
    ProgressUpdate,
    ResponsiblePerson,
    ShelterOccupancy,
    StaleVersion,
    WorkOrder,
    hazard_status,
    nearest_river,
)
from .models.gauges import THREE_HOURS
from .models.text import TEXT_MAX_LENGTH

__all__ = ["StaleVersion"]  # views catch it from here, with the services that raise it


def _locked(queryset, pk, version=None):
    """The row, locked until the transaction ends; StaleVersion if it is no longer at `version`."""
    obj = queryset.select_for_update().get(pk=pk)
    if version is not None and obj.version != version:
        raise StaleVersion(obj)
    return obj


def hazard_save(*, hazard, user, version=None, status_chosen=False, photos=()):
    """Save a hazard an inspector reported or edited, with its photos.

    `version` is the one the edit was made on. The status changes here only
    if the inspector chose it (`status_chosen`) and may still choose it
    (Hazard.settable_statuses); otherwise it stays as the work orders set it,
    even if they changed it meanwhile.
    """
    with transaction.atomic():
        was_red = False
        if hazard.pk:
            current = _locked(Hazard.objects, hazard.pk, version)
            was_red = current.risk_level == Hazard.RiskLevel.MAJOR
            if not status_chosen:
                hazard.status = current.status
            elif hazard.status not in current.settable_statuses():
                raise ValidationError({"status": _("Work orders now exist for this hazard: its status follows them.")})
        elif hazard.status not in Hazard.REVIEW_STATUSES:
            raise ValidationError({"status": _("A new hazard is reported or confirmed; the rest follows from its work orders.")})
        _save_as(hazard, user)
        for photo in photos:
            HazardPhoto.from_upload(photo, user, hazard=hazard)
        citizen_reports_follow_hazard(hazard)
        if hazard.risk_level == Hazard.RiskLevel.MAJOR and not was_red:
            notifications.hazard_turned_red(hazard)
    return hazard


def progress_update_create(*, order_id, user, percent, note="", version, photos=()):
    """Record progress on a work order, and move the order and its hazard on."""
    with transaction.atomic():
        order = _locked(WorkOrder.objects, order_id, version)
        if order.status == WorkOrder.Status.ACCEPTED:
            raise ValidationError(_("This order has been accepted and is closed; its progress can no longer change."))
        if order.status == WorkOrder.Status.SUSPENDED:
            raise ValidationError(
                _("This order is suspended (%(reason)s): an admin must resume it before progress is reported.")
                % {"reason": order.suspended_reason}
            )
        if percent < order.progress_pct and not note.strip():
            raise ValidationError(
                _("Progress goes down from %(old)d %% to %(new)d %%: say why in the note.")
                % {"old": order.progress_pct, "new": percent}
            )
        update = ProgressUpdate.objects.create(order=order, percent=percent, note=note, author=user)
        for photo in photos:
            ProgressPhoto.from_upload(photo, user, update=update)
        order.progress_pct = percent
        was_completed = order.status == WorkOrder.Status.COMPLETED
        order.status = WorkOrder.Status.COMPLETED if percent == 100 else WorkOrder.Status.IN_PROGRESS
        _save_as(order, user)
        hazard_follow_orders(order.hazard_id, user=user)
        if order.status == WorkOrder.Status.COMPLETED and not was_completed:
            notifications.order_completed(order)
    return update


def work_order_accept(*, order_id, user, note="", photo, version=None):
    """The site check (复核销号) by someone who did not do the work; clears the hazard."""
    if not roles.has_role(user, roles.INSPECTOR):
        raise PermissionDenied
    with transaction.atomic():
        order = _locked(WorkOrder.objects, order_id, version)
        if order.status != WorkOrder.Status.COMPLETED:
            raise ValidationError(_("Only a completed order can be accepted."))
        workers = set(order.engineers.values_list("pk", flat=True)) | set(order.updates.values_list("author", flat=True))
        if user.pk in workers:
            raise ValidationError(_("The acceptance must be done by someone who did not work on this order."))
        if photo is None:
            raise ValidationError(_("Add a photo from the site check."))
        acceptance = Acceptance.objects.create(order=order, accepted_by=user, note=note)
        AcceptancePhoto.from_upload(photo, user, acceptance=acceptance)
        order.status = WorkOrder.Status.ACCEPTED
        _save_as(order, user)
        measure = order.title if order.kind == WorkOrder.Kind.INTERIM else ""
        hazard_follow_orders(order.hazard_id, user=user, interim_measure=measure)
    return acceptance


def work_order_save(*, order, user, version=None, engineers=None):
    """Save a work order made or changed by an admin (order form, admin site, drill follow-up).

    `version` is the one the change was made on. Accepted is final, and
    completed and accepted are never set by hand (WorkOrder.may_change_status).
    The hazards the order leaves and joins follow it.
    """
    with transaction.atomic():
        previous_status, previous_hazard, before = None, None, set()
        if order.pk:
            current = _locked(WorkOrder.objects, order.pk, version)
            previous_status, previous_hazard = current.status, current.hazard_id
            before = set(current.engineers.values_list("pk", flat=True))
        if not WorkOrder.may_change_status(previous_status, order.status):
            raise ValidationError({"status": _(
                "An accepted order is closed for good, and completed and accepted come only from progress and the "
                "site check. If the hazard has come back, make a new work order."
            )})
        if not order.pk:
            order.created_by = user
        _save_as(order, user)
        if engineers is not None:
            order.engineers.set(engineers)
            work_order_assigned(order=order, before=before)
        for hazard_id in sorted({previous_hazard, order.hazard_id} - {None}):
            hazard_follow_orders(hazard_id, user=user)
    return order


def work_order_assigned(*, order, before):
    """The engineers set on the order who were not among `before` (their ids) are told (in the caller's
    transaction: the order form, or the admin once it has set them)."""
    added = [user for user in order.engineers.order_by("username") if user.pk not in before]
    if added:
        notifications.order_assigned(order, added)


def work_order_delete(*, order, user):
    """Delete a work order (admin site); its hazard follows the orders that remain."""
    with transaction.atomic():
        order = _locked(WorkOrder.objects, order.pk)
        hazard_id = order.hazard_id
        order._history_user = user
        order.delete()
        if hazard_id:
            hazard_follow_orders(hazard_id, user=user)


def hazard_follow_orders(hazard_id, *, user=None, interim_measure=""):
    """Set a hazard's status from its work orders (works.hazard_status), the hazard row locked.

    Only the status (and an accepted interim measure's note, if none was
    written) is written, so that nothing an inspector typed meanwhile is
    overwritten; the status does not count as an edit (no new version).
    """
    if hazard_id is None:
        return
    hazard = _locked(Hazard.objects, hazard_id)
    fields = []
    status = hazard_status(hazard, hazard.work_orders.all())
    if status != hazard.status:
        hazard.status = status
        fields.append("status")
    if interim_measure and not hazard.interim_measure:
        # A person reads this text: a concurrent edit of it must see a new version.
        hazard.interim_measure = interim_measure
        fields += ["interim_measure", "version"]
    if fields:
        _save_as(hazard, user, update_fields=[*fields, "updated_at"])
        citizen_reports_follow_hazard(hazard)


def _save_as(obj, user, **save_options):
    """Save, with the history row naming the user even outside a request (commands, imports)."""
    if user is not None:
        obj._history_user = user
    obj.save(**save_options)


# Flood-season readiness: patrols, evacuation plans and drills.

@transaction.atomic
def patrol_check_record(*, check: PatrolCheck, photo, user) -> PatrolCheck:
    """Save a hazard checked on a patrol, with its photo if one was taken."""
    check.save()
    if photo:
        PatrolPhoto.from_upload(photo, user, patrol_check=check)
    return check


@transaction.atomic
def evacuation_plan_save(*, plan_form, formsets, user):
    """Save a plan with its contacts, shelters and routes (forms already valid)."""
    plan = plan_form.save(commit=False)
    plan.updated_by = user
    plan.save()
    for formset in formsets:
        formset.instance = plan
        formset.save()
    return plan


@transaction.atomic
def drill_record(*, drill_form, follow_up_formset, photos, user):
    """Save a drill with its follow-up actions and photos (forms already valid)."""
    drill = drill_form.save(commit=False)
    if drill.pk is None:
        drill.recorded_by = user
    drill.save()
    drill_form.save_m2m()
    follow_up_formset.instance = drill
    follow_up_formset.save()
    for upload in photos:
        DrillPhoto.from_upload(upload, user, drill=drill)
    return drill


@transaction.atomic
def follow_up_create_work_order(*, follow_up: DrillFollowUp, order: WorkOrder, user) -> WorkOrder:
    """Turn a drill's follow-up action into a clearance work order (order already validated)."""
    follow_up = DrillFollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.work_order_id:
        return follow_up.work_order
    work_order_save(order=order, user=user)
    follow_up.work_order = order
    follow_up.save(update_fields=["work_order"])
    return order


# The flood response (issue 11): declarations, calls and their escalation, evacuations, gauges.

_notice = notify.notice
_deliver_after_commit = notify.send_after_commit


def _duty_log(what, *, now, handled="", user=None):
    shifts = DutyShift.objects.at(now)
    DutyLogEntry.objects.create(at=now, shift=shifts.first(), recorded_by=user, what=what[:TEXT_MAX_LENGTH],
                                handled=handled[:TEXT_MAX_LENGTH])


def declaration_declare(*, declaration, user, now=None, alert=None):
    """Declare a warning and response level (form already valid): it replaces the current one for the same place,
    copies its level's checklist, starts the evacuations its warning triggers (those already under way carry on),
    and calls every responsible person it reaches (叫应). Returns the declaration."""
    now = now or timezone.now()
    with transaction.atomic():
        declaration.declared_by, declaration.started_at = user, now
        declaration.full_clean(exclude=["replaces"], validate_constraints=False)
        previous = Declaration.objects.select_for_update().filter(scope_key=declaration.scope_key, ended_at=None).first()
        if previous is not None:
            previous.ended_at, previous.ended_by = now, user
            previous.save(update_fields=["ended_at", "ended_by"])
        declaration.replaces = previous
        declaration.save()
        DeclarationAction.objects.bulk_create([
            DeclarationAction(declaration=declaration, position=item.position, text_zh=item.text_zh, text_en=item.text_en)
            for item in ChecklistItem.objects.filter(response_level=declaration.response_level)])
        found = response.reach(declaration)
        if previous is not None:
            Evacuation.objects.filter(declaration=previous, ended_at=None).update(declaration=declaration)
        under_way = set(Evacuation.objects.filter(ended_at=None).values_list("village", flat=True))
        for village, plan in found.triggered:
            if village.pk not in under_way:
                Evacuation.objects.create(declaration=declaration, village=village, plan=plan, started_at=now,
                                          to_move=plan.people_at_risk, vulnerable_to_move=plan.vulnerable_people)
        notices = _call_everyone(declaration, found.calls(), now)
        if alert is not None:
            GaugeAlert.objects.filter(pk=alert.pk, closed_at=None).update(closed_at=now, closed_by=user,
                                                                          declaration=declaration)
        with translation.override(settings.LANGUAGE_CODE):
            _duty_log(_("%(declaration)s declared; %(n)s responsible persons called.")
                      % {"declaration": declaration, "n": len(notices)}, now=now, user=user)
        deadline = now + datetime.timedelta(minutes=settings.CALL_CONFIRM_MINUTES, seconds=1)
        _deliver_after_commit(notices, escalate_at=deadline if notices else None)
    return declaration


def _call_everyone(declaration, calls, now):
    notices = []
    deadline = now + datetime.timedelta(minutes=settings.CALL_CONFIRM_MINUTES)
    with translation.override(settings.LANGUAGE_CODE):
        for person, reasons in sorted(calls.items(), key=lambda pair: pair[0].pk):
            call = CallOut.objects.create(declaration=declaration, person=person, reasons="\n".join(reasons),
                                          sent_at=now, deadline=deadline)
            subject = _("Flood warning: %(declaration)s. Please confirm.") % {"declaration": declaration}
            body = _(
                "%(name)s,\n\n%(when)s: %(declaration)s.\n\nYou are named responsible for:\n%(reasons)s\n\n"
                "Confirm that you received this with one tap on the link below. Unconfirmed after %(minutes)s minutes, "
                "the call goes to your unit's leader and the person on duty."
            ) % {"name": person.name, "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                 "declaration": declaration, "reasons": "\n".join(f"- {r}" for r in reasons),
                 "minutes": settings.CALL_CONFIRM_MINUTES}
            notices.append(_notice(kind=Notice.Kind.CALL, subject=subject, body=body, person=person,
                                   link=call.confirm_url(), call_out=call, now=now))
    return notices


def declaration_end(*, declaration_id, user, now=None):
    """Stand down: the declaration ends, its unconfirmed calls are no longer escalated, its evacuations end with it
    (their counts stay on its page)."""
    now = now or timezone.now()
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration_id)
        if declaration.ended_at is not None:
            raise ValidationError(_("This declaration has already ended."))
        declaration.ended_at, declaration.ended_by = now, user
        declaration.save(update_fields=["ended_at", "ended_by"])
        for evacuation in Evacuation.objects.filter(declaration=declaration, ended_at=None):
            evacuation.ended_at = now
            _save_as(evacuation, user, update_fields=["ended_at", "updated_at"])
        with translation.override(settings.LANGUAGE_CODE):
            _duty_log(_("%(declaration)s ended.") % {"declaration": declaration}, now=now, user=user)
    return declaration


def action_tick(*, action_id, user, done=True, note="", now=None):
    """Tick a checklist action as done (who and when), or untick it."""
    with transaction.atomic():
        action = DeclarationAction.objects.select_for_update().select_related("declaration").get(pk=action_id)
        if action.declaration.ended_at is not None:
            raise ValidationError(_("This declaration has ended; its checklist is kept as it was."))
        action.done_by, action.done_at = (user, now or timezone.now()) if done else (None, None)
        action.note = note
        action.save(update_fields=["done_by", "done_at", "note"])
    return action


def call_out_confirm(*, call_out_id, now=None):
    """Record a confirmation (叫应 answered). True if this one confirmed it; a second tap changes nothing."""
    return bool(CallOut.objects.filter(pk=call_out_id, confirmed_at=None).update(confirmed_at=now or timezone.now()))


def escalate_due(now=None):
    """Escalate every call unconfirmed past its deadline to the person's unit leader and the people on duty,
    each exactly once, however many runners call this at once: the conditional UPDATE lets one of them claim it.

    Runs from the background loop (manage.py run_response_timers), never in a request. Returns the calls escalated.
    """
    now = now or timezone.now()
    escalated = []
    for pk in list(CallOut.objects.due(now).order_by("deadline", "id").values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if not CallOut.objects.filter(pk=pk, confirmed_at=None, escalated_at=None).update(escalated_at=now):
                continue  # confirmed meanwhile, or another runner took it
            call = CallOut.objects.select_related("person__user", "declaration__river", "declaration__town").get(pk=pk)
            call.escalated_to = _escalate(call, now)
            call.save(update_fields=["escalated_to"])
        escalated.append(call)
    return escalated


def _escalate(call, now):
    """Notices to whoever the unconfirmed call goes to; their names, as text."""
    person = call.person
    leaders = list(ResponsiblePerson.objects.filter(unit=person.unit, leads_unit=True).exclude(pk=person.pk)
                   .select_related("user"))
    on_duty = response.duty_users(now)
    # With no unit leader named and nobody on duty, the call must still reach someone who can act.
    fallback = [] if leaders or on_duty else list(
        User.objects.filter(is_active=True, groups__name=roles.LEADER).order_by("username"))
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Not confirmed: %(name)s (%(unit)s)") % {"name": person.name, "unit": person.unit}
        body = _(
            "%(name)s (%(unit)s, %(phone)s) has not confirmed the call for %(declaration)s, made at %(when)s, "
            "within %(minutes)s minutes. Responsible for:\n%(reasons)s\n\nCall them, and record it in the duty log."
        ) % {"name": person.name, "unit": person.unit, "phone": person.mobile, "declaration": call.declaration,
             "when": timezone.localtime(call.sent_at).strftime("%H:%M"), "minutes": settings.CALL_CONFIRM_MINUTES,
             "reasons": call.reasons}
        link = settings.SITE_URL + reverse("hazards:response")
        names = []
        for leader in leaders:
            _notice(kind=Notice.Kind.ESCALATION, subject=subject, body=body, person=leader, link=link, now=now)
            names.append(leader.name)
        for user in on_duty + fallback:
            _notice(kind=Notice.Kind.ESCALATION, subject=subject, body=body, user=user, link=link, now=now)
            names.append(user.get_full_name() or user.username)
        _duty_log(subject, now=now, handled=_("Escalated to %(names)s.") % {"names": ", ".join(names) or "—"})
    return ", ".join(names)


def evacuation_save(*, evacuation, occupancy, entered_by, user=None, version=None):
    """Save the counts a village lead entered (form already valid) with the people now in each shelter
    ({shelter: people}); refused (StaleVersion) if someone saved in between, or if the counts do not add up."""
    with transaction.atomic():
        current = _locked(Evacuation.objects, evacuation.pk, version)
        if current.ended_at is not None:
            raise ValidationError(_("This evacuation has ended; its counts are kept as they were."))
        errors = evacuation.check_counts(sum(occupancy.values()))
        if errors:
            raise ValidationError(errors)
        evacuation.updated_by = entered_by[:200]
        _save_as(evacuation, user)
        for shelter, people in occupancy.items():
            ShelterOccupancy.objects.update_or_create(evacuation=evacuation, shelter=shelter, defaults={"people": people})
    return evacuation


def gauge_reading_record(*, reading, user=None, now=None):
    """Save a reading (already checked) and, if it is over a threshold, suggest a warning to the people on duty:
    once per gauge and level until someone acts on it. Never declares. Returns the new GaugeAlert or None."""
    now = now or timezone.now()
    with transaction.atomic():
        reading.recorded_by = user
        reading.save()
        gauge = reading.gauge
        rain_3h = None
        if gauge.kind == Gauge.Kind.RAIN:
            window = gauge.readings.filter(observed_at__gt=reading.observed_at - THREE_HOURS,
                                           observed_at__lte=reading.observed_at)
            rain_3h = sum(window.values_list("value", flat=True))
        found = gauge.suggestion(reading.value, rain_3h=rain_3h)
        if found is None:
            return None
        label, warning = found
        open_alerts = gauge.alerts.filter(closed_at=None).values_list("suggested", flat=True)
        if any(WARNING_RANK[level] >= WARNING_RANK[warning] for level in open_alerts):
            return None
        alert = GaugeAlert.objects.create(gauge=gauge, reading=reading, threshold=str(label), suggested=warning,
                                          created_at=now)
        _suggest(alert, now)
    return alert


def _suggest(alert, now):
    gauge, reading = alert.gauge, alert.reading
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(gauge)s over its %(threshold)s: a %(warning)s is suggested") % {
            "gauge": gauge.name, "threshold": alert.threshold, "warning": alert.get_suggested_display()}
        body = _(
            "%(gauge)s (%(river)s %(stretch)s) read %(value)s %(unit)s at %(when)s, over its %(threshold)s. "
            "Floodwatch declares nothing by itself: decide on the response page."
        ) % {"gauge": gauge.name, "river": gauge.river.name, "stretch": gauge.stretch, "value": reading.value,
             "unit": gauge.unit, "when": timezone.localtime(reading.observed_at).strftime("%Y-%m-%d %H:%M"),
             "threshold": alert.threshold}
        link = settings.SITE_URL + reverse("hazards:response")
        users = response.duty_users(now) or list(
            User.objects.filter(is_active=True, groups__name=roles.LEADER).order_by("username"))
        notices = [_notice(kind=Notice.Kind.GAUGE, subject=subject, body=body, user=user, link=link, now=now)
                   for user in users]
        _duty_log(subject, now=now)
    _deliver_after_commit(notices)


def gauge_readings_import(*, readings, user):
    """Save readings from a file (every one already checked), oldest first, all or nothing; returns the warnings
    they suggest."""
    with transaction.atomic():
        alerts = [gauge_reading_record(reading=reading, user=user) for reading in readings]
    return [alert for alert in alerts if alert is not None]


def gauge_alert_close(*, alert_id, user, now=None):
    """The person on duty has seen a suggestion and decided not to declare."""
    GaugeAlert.objects.filter(pk=alert_id, closed_at=None).update(closed_at=now or timezone.now(), closed_by=user)


@transaction.atomic
def responsible_person_save(*, person_form, responsibilities, user):
    """Save a responsible person with their responsibilities (forms already valid)."""
    person = person_form.save(commit=False)
    _save_as(person, user)
    responsibilities.instance = person
    for item in responsibilities.save(commit=False):
        _save_as(item, user)
    for item in responsibilities.deleted_objects:
        item._history_user = user
        item.delete()
    return person


# Citizen reports from the 12345 hotline (issue 12): received over Open311, decided by inspectors.

def citizen_report_create(*, client, report):
    """Record a report that came in over Open311: its deadlines, a likely duplicate, and who must see it now."""
    from .hotline import likely_duplicate

    with transaction.atomic():
        report.client = client
        if report.service_code == CitizenReport.Service.FLOOD_DANGER:
            report.urgency = CitizenReport.Urgency.LIFE_SAFETY
        if report.location is not None and report.river_id is None:
            report.river = nearest_river(report.location)
        report.set_deadlines()
        duplicate = likely_duplicate(report)
        if duplicate:
            report.duplicate_hazard, report.duplicate_report = duplicate.hazard, duplicate.report
            report.duplicate_note = duplicate.note
        report.save()
        citizen_report_route(report)
        notifications.citizen_report_received(report)
    return report


def citizen_report_route(report):
    """Send a new citizen report to whoever must act on it now: the ONE place this is decided.

    Life safety (someone trapped, a breach, water rising at houses) goes at
    once to the people on duty (the shift under way: its leader and staff), as
    Beijing 12345 requires; so does a report made during extreme weather
    (assigned within 2 hours). Each gets a notice (their messages and e-mail) and
    the duty log says so. With nobody on duty, every admin and leader. Other
    reports wait in the inspectors' queue. Returns the users who must see the
    report now.
    """
    if report.is_urgent:
        report.routed_to = "duty"
        users = response.duty_users() or list(User.objects.filter(is_active=True).filter(
            models.Q(groups__name__in=(roles.ADMIN, roles.LEADER)) | models.Q(is_superuser=True)).distinct()
            .order_by("username"))
        report.save(update_fields=["routed_to"])
        _urgent_report_notices(report, users)
        return users
    report.routed_to = "inspectors"
    report.save(update_fields=["routed_to"])
    return list(User.objects.filter(is_active=True).filter(
        models.Q(groups__name__in=(roles.INSPECTOR, roles.ADMIN)) | models.Q(is_superuser=True)).distinct()
        .order_by("username"))


def _urgent_report_notices(report, users):
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Urgent 12345 report %(report)s: assign it by %(time)s") % {
            "report": report, "time": timezone.localtime(report.assign_by or now).strftime("%H:%M")}
        body = f"{report.get_urgency_display()} · {report.address_string or ''}\n{report.description}".strip()
        link = settings.SITE_URL + report.get_absolute_url()
        notices = [_notice(kind=Notice.Kind.HOTLINE, subject=subject, body=body, user=user, link=link, now=now)
                   for user in users]
        _duty_log(subject, now=now, handled=_("Sent to %(names)s.") % {
            "names": ", ".join(user.get_full_name() or user.username for user in users) or "—"})
    _deliver_after_commit(notices)


def _awaiting_report(report_id):
    report = CitizenReport.objects.select_for_update().get(pk=report_id)
    if report.status != CitizenReport.Status.AWAITING:
        raise ValidationError(_("This report has already been decided (%(status)s).") % {"status": report.get_status_display()})
    return report


def _decided(report, user, *, status, hazard=None):
    now = timezone.now()
    report.status, report.hazard = status, hazard
    if report.assigned_at is None:
        report.assigned_to, report.assigned_at = user, now
    report.answered_at = now
    if status == CitizenReport.Status.REJECTED or (hazard is not None and not hazard.is_open):
        report.closed_at = now
    report.save()
    return report


def citizen_report_take(*, report_id, user):
    """An inspector takes a report on: the first response, which the deadlines count."""
    with transaction.atomic():
        report = _awaiting_report(report_id)
        if report.assigned_at is None:
            report.assigned_at = timezone.now()
        report.assigned_to = user
        report.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
    return report


def citizen_report_confirm(*, report_id, user, hazard, photos=()):
    """Confirm a report into a new hazard, through the hazard's own service (same rules as the page)."""
    with transaction.atomic():
        report = _awaiting_report(report_id)
        hazard_save(hazard=hazard, user=user, photos=photos)
        return _decided(report, user, status=CitizenReport.Status.CONFIRMED, hazard=hazard)


def citizen_report_attach(*, report_id, user, hazard):
    """The report is about a hazard already known: it follows that hazard from now on."""
    with transaction.atomic():
        report = _awaiting_report(report_id)
        return _decided(report, user, status=CitizenReport.Status.ATTACHED, hazard=hazard)


def citizen_report_reject(*, report_id, user, reason):
    """Not a flood obstruction (or not ours): closed, with the reason the hotline passes on."""
    if not reason.strip():
        raise ValidationError(_("Give the reason: the hotline tells the caller."))
    with transaction.atomic():
        report = _awaiting_report(report_id)
        report.reject_reason = reason
        return _decided(report, user, status=CitizenReport.Status.REJECTED)


def citizen_reports_follow_hazard(hazard):
    """Reports about this hazard close when it is cleared or closed, and open again if it comes back."""
    reports = CitizenReport.objects.filter(hazard=hazard)
    if hazard.is_open:
        reports.exclude(closed_at=None).update(closed_at=None)
    else:
        reports.filter(closed_at=None).update(closed_at=timezone.now())


# Notifications (issue 13)

@transaction.atomic
def notification_settings_save(*, user, form):
    """Save what a user wants to be told of and how (form already valid): their e-mail, their settings, their
    own group robot (made, changed, or removed)."""
    from .models import Robot

    settings_row = form.save(commit=False)
    settings_row.user = user
    settings_row.save()
    if user.email != form.cleaned_data["email"]:
        user.email = form.cleaned_data["email"]
        user.save(update_fields=["email"])
    robot = form.robot_fields()
    if robot is None:
        Robot.objects.filter(user=user).delete()
        return settings_row
    kind, url, secret = robot
    Robot.objects.update_or_create(user=user, defaults={
        "kind": kind, "url": url, "secret": secret, "name": (user.get_full_name() or user.username)[:100]})
    return settings_row
