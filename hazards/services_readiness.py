"""Writes that touch several models, for patrols, evacuation plans and drills (each in one transaction)."""

from django.db import transaction

from .models import DrillFollowUp, DrillPhoto, PatrolCheck, PatrolPhoto, WorkOrder


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
    order.created_by = user
    order.save()
    follow_up.work_order = order
    follow_up.save(update_fields=["work_order"])
    return order
