"""Writes that touch several objects: hazards, progress, acceptance and what follows; patrols, plans, drills.

Each runs in one transaction. Hazards and work orders are Versioned: a change
made against a version that is no longer current is refused (StaleVersion),
whoever makes it. Work-order writes lock the order, then its hazard, always in
that order, so two writers never wait for each other in a circle.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import roles
from .models import (
    Acceptance,
    AcceptancePhoto,
    CitizenReport,
    DrillFollowUp,
    DrillPhoto,
    Hazard,
    HazardPhoto,
    PatrolCheck,
    PatrolPhoto,
    ProgressPhoto,
    ProgressUpdate,
    StaleVersion,
    WorkOrder,
    hazard_status,
    nearest_river,
)

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
        if hazard.pk:
            current = _locked(Hazard.objects, hazard.pk, version)
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
        order.status = WorkOrder.Status.COMPLETED if percent == 100 else WorkOrder.Status.IN_PROGRESS
        _save_as(order, user)
        hazard_follow_orders(order.hazard_id, user=user)
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
        previous_status, previous_hazard = None, None
        if order.pk:
            current = _locked(WorkOrder.objects, order.pk, version)
            previous_status, previous_hazard = current.status, current.hazard_id
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
        for hazard_id in sorted({previous_hazard, order.hazard_id} - {None}):
            hazard_follow_orders(hazard_id, user=user)
    return order


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
    return report


def citizen_report_route(report):
    """Send a new citizen report to whoever must act on it now: the ONE place this is decided.

    Life safety (someone trapped, a breach, water rising at houses) goes at
    once to the person on duty, as Beijing 12345 requires; so does a report
    made during extreme weather (assigned within 2 hours). Until the duty roster
    exists (the flood-response issue, which extends this function to the duty
    officer), "the person on duty" is every admin and leader: the urgent list
    and the badge in their top bar. Other reports wait in the inspectors'
    queue. Returns the users who must see the report now.
    """
    from django.contrib.auth.models import User

    if report.is_urgent:
        report.routed_to = "duty"
        wanted = (roles.ADMIN, roles.LEADER)
    else:
        report.routed_to = "inspectors"
        wanted = (roles.INSPECTOR, roles.ADMIN)
    report.save(update_fields=["routed_to"])
    return list(User.objects.filter(is_active=True).filter(
        models.Q(groups__name__in=wanted) | models.Q(is_superuser=True)).distinct().order_by("username"))


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
