"""Writes that touch several objects: progress, acceptance and what follows; patrols, plans, drills.

Each runs in one transaction. Work-order writes lock the order first and refuse
a change made against a version that is no longer current (no lost updates).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import roles
from .models import (
    Acceptance,
    AcceptancePhoto,
    DrillFollowUp,
    DrillPhoto,
    Hazard,
    PatrolCheck,
    PatrolPhoto,
    ProgressPhoto,
    ProgressUpdate,
    WorkOrder,
)


class StaleVersion(Exception):
    """The order changed since the user loaded it; `order` is its current state."""

    def __init__(self, order):
        super().__init__(f"Work order {order.pk} is at version {order.version}")
        self.order = order


def _locked_order(order_id, version):
    order = WorkOrder.objects.select_for_update().get(pk=order_id)
    if version is not None and order.version != version:
        raise StaleVersion(order)
    return order


def progress_update_create(*, order_id, user, percent, note="", version, photos=()):
    """Record progress on a work order, and move the order and its hazard on."""
    with transaction.atomic():
        order = _locked_order(order_id, version)
        if order.status == WorkOrder.Status.ACCEPTED:
            raise ValidationError(_("This order has been accepted and is closed; its progress can no longer change."))
        if percent < order.progress_pct and not note.strip():
            raise ValidationError(
                _("Progress goes down from %(old)d %% to %(new)d %%: say why in the note.")
                % {"old": order.progress_pct, "new": percent}
            )
        update = ProgressUpdate.objects.create(order=order, percent=percent, note=note, author=user)
        for upload in photos:
            ProgressPhoto.from_upload(upload, user, update=update)
        order.progress_pct = percent
        order.status = WorkOrder.Status.COMPLETED if percent == 100 else WorkOrder.Status.IN_PROGRESS
        _save_as(order, user)
        hazard_follow_orders(order.hazard, user=user)
    return update


def work_order_accept(*, order_id, user, note="", photo, version=None):
    """The site check (复核销号) by someone who did not do the work; clears the hazard."""
    if not roles.has_role(user, roles.INSPECTOR):
        raise PermissionDenied
    with transaction.atomic():
        order = _locked_order(order_id, version)
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
        measure_noted = order.kind == WorkOrder.Kind.INTERIM and order.hazard and not order.hazard.interim_measure
        if measure_noted:
            order.hazard.interim_measure = order.title
        hazard_follow_orders(order.hazard, user=user, changed=measure_noted)
    return acceptance


@transaction.atomic
def work_order_save(*, order, user, engineers=None):
    """Save a work order made or changed by an admin; the hazards it leaves and joins follow it."""
    previous = WorkOrder.objects.filter(pk=order.pk).values_list("hazard", flat=True).first() if order.pk else None
    if not order.pk:
        order.created_by = user
    _save_as(order, user)
    if engineers is not None:
        order.engineers.set(engineers)
    for hazard in Hazard.objects.filter(pk__in={previous, order.hazard_id} - {None}):
        hazard_follow_orders(hazard, user=user)
    return order


def hazard_follow_orders(hazard, *, user=None, changed=False):
    """Set the hazard's status from its orders: work started, cleared, or watched.

    An accepted removal clears the hazard; an accepted interim measure leaves it
    under monitoring through the season; started work puts it in progress; a
    planned order moves a hazard only on from reported or confirmed.
    """
    if hazard is None or hazard.status == Hazard.Status.CLOSED:
        return
    orders = list(hazard.work_orders.exclude(status=WorkOrder.Status.SUSPENDED))
    accepted = [o for o in orders if o.status == WorkOrder.Status.ACCEPTED]
    if any(o.kind != WorkOrder.Kind.INTERIM for o in accepted):
        status = Hazard.Status.CLEARED
    elif any(o.status in (WorkOrder.Status.IN_PROGRESS, WorkOrder.Status.COMPLETED) for o in orders):
        status = Hazard.Status.IN_PROGRESS
    elif accepted:
        status = Hazard.Status.MONITORING
    elif orders and hazard.status in (Hazard.Status.REPORTED, Hazard.Status.CONFIRMED):
        status = Hazard.Status.PLANNED
    else:
        status = hazard.status
    if hazard.status != status or changed:
        hazard.status = status
        _save_as(hazard, user)


def _save_as(obj, user):
    """Save, with the history row naming the user even outside a request (commands, imports)."""
    if user is not None:
        obj._history_user = user
    obj.save()


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
