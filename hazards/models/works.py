"""Clearance works: work orders (应急消险工程), progress updates and acceptance (复核销号)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import geo, season
from .places import River
from .register import Hazard, Photo
from .text import TEXT_MAX_LENGTH
from .versioned import Versioned

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class WorkOrderQuerySet(models.QuerySet):
    def open(self):
        """Not yet accepted: WorkOrder.is_open, in SQL."""
        return self.exclude(status=WorkOrder.Status.ACCEPTED)

    def live(self):
        """The orders that count for their hazard's status: all but suspended ones."""
        return self.exclude(status=WorkOrder.Status.SUSPENDED)

    def overdue(self):
        """Past the deadline and not completed: WorkOrder.is_overdue, in SQL."""
        return self.filter(deadline__lt=timezone.localdate()).exclude(status__in=WorkOrder.DONE_STATUSES)

    def due_within(self, days):
        """Not completed, and due today or within the next `days` days (not yet overdue)."""
        today = timezone.localdate()
        return self.filter(deadline__gte=today, deadline__lte=today + timedelta(days=days)).exclude(
            status__in=WorkOrder.DONE_STATUSES)


class WorkOrder(Versioned):
    """A clearance works order (应急消险工程) for a hazard or a reach of river.

    Accepted is final (复核销号 closes it): an order is never reopened; if the
    hazard comes back, a new order is made. Every change is checked against
    the version it was made on (Versioned).
    """

    class Kind(models.TextChoices):
        REMOVE = "remove", _("Remove")
        RELOCATE = "relocate", _("Relocate")
        ENLARGE_CULVERT = "enlarge_culvert", _("Enlarge culvert")
        DREDGE = "dredge", _("Dredge")
        CUT_VEGETATION = "cut_vegetation", _("Cut grass and brush")
        REINFORCE = "reinforce", _("Reinforce")
        INTERIM = "interim", _("Interim safety measure")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        ACCEPTED = "accepted", _("Accepted")
        SUSPENDED = "suspended", _("Suspended")

    DONE_STATUSES = {"completed", "accepted"}

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    hazard = models.ForeignKey(
        Hazard, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders", verbose_name=_("hazard")
    )
    river = models.ForeignKey(
        River, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders", verbose_name=_("river")
    )
    start_chainage_m = models.FloatField(_("from chainage (m)"), null=True, blank=True)
    end_chainage_m = models.FloatField(_("to chainage (m)"), null=True, blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200, blank=True)
    contractor = models.CharField(_("contractor"), max_length=200, blank=True)
    engineers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="work_orders", verbose_name=_("assigned engineers")
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), default=season.flood_season_start)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    suspended_reason = models.TextField(_("reason for suspension"), max_length=TEXT_MAX_LENGTH, blank=True)
    progress_pct = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=PERCENT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WorkOrderQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[engineers])

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["deadline", "id"])]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")

    def __str__(self):
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self):
        return reverse("hazards:work-order", args=[self.pk])

    @property
    def is_overdue(self):
        """Past its deadline and not yet completed."""
        return self.deadline < timezone.localdate() and not self.is_done

    @property
    def days_left(self):
        return (self.deadline - timezone.localdate()).days

    @property
    def days_overdue(self):
        return max(0, -self.days_left)

    @property
    def is_open(self):
        return self.status != self.Status.ACCEPTED

    @property
    def is_done(self):
        """Completed or accepted: no longer held to its deadline."""
        return self.status in self.DONE_STATUSES

    @property
    def place(self):
        """Where along the river: the hazard's chainage, or the reach as K1+200–K3+400."""
        if self.hazard_id:
            return self.hazard.chainage
        return geo.format_reach(self.start_chainage_m, self.end_chainage_m)

    def geometry(self):
        """Where the works are on a map: the hazard's point, or the stretch of centerline of a reach."""
        if self.hazard_id:
            return self.hazard.location
        return geo.reach(self.river.centerline, self.start_chainage_m, self.end_chainage_m)

    def is_assigned(self, user):
        return self.engineers.filter(pk=user.pk).exists()

    @classmethod
    def may_change_status(cls, previous, status):
        """Whether a person may move an order from `previous` (None when new) to `status` by hand.

        Accepted is final; completed comes only from progress at 100 % and
        accepted only from the site check, so neither is ever typed in.
        """
        if previous == status:
            return True
        return previous != cls.Status.ACCEPTED and status not in cls.DONE_STATUSES

    def clean(self):
        errors = {}
        if self.hazard_id is None:
            if self.river_id is None or self.start_chainage_m is None or self.end_chainage_m is None:
                errors["hazard"] = _("Choose a hazard, or a river with the chainages the works run from and to.")
            elif not 0 <= min(self.start_chainage_m, self.end_chainage_m) <= max(
                self.start_chainage_m, self.end_chainage_m
            ) <= self.river.length_m:
                errors["end_chainage_m"] = _("The reach must lie within the river's %(km).1f km.") % {
                    "km": self.river.length_m / 1000
                }
            elif round(self.start_chainage_m) == round(self.end_chainage_m):  # K5+000–K5+000: a point, not drawn
                errors["end_chainage_m"] = _("The reach must run from one chainage to another; these are the same.")
        if self.status == self.Status.SUSPENDED and not self.suspended_reason.strip():
            errors["suspended_reason"] = _("Give the reason for suspending the works.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.hazard_id:
            self.river_id = self.hazard.river_id
            self.start_chainage_m = self.end_chainage_m = None
        if self.status != self.Status.SUSPENDED:
            self.suspended_reason = ""
        super().save(*args, **kwargs)


def hazard_status(hazard, orders):
    """The status a hazard's work orders give it: the one place this rule is written.

    Suspended orders count for nothing. Work under way (in progress, or
    completed and awaiting acceptance) comes first; then an accepted removal
    clears the hazard and an accepted interim measure leaves it under
    monitoring for the season; a planned order plans it. With no order that
    counts, the status is the inspector's, except that "planned" and "in
    progress", which only orders can justify, fall back to "confirmed" (an
    order was meant for it, so the hazard was real).
    """
    live = [order for order in orders if order.status != WorkOrder.Status.SUSPENDED]
    if not live:
        held_by_orders = {Hazard.Status.PLANNED, Hazard.Status.IN_PROGRESS}
        return Hazard.Status.CONFIRMED if hazard.status in held_by_orders else hazard.status
    if any(order.status in (WorkOrder.Status.IN_PROGRESS, WorkOrder.Status.COMPLETED) for order in live):
        return Hazard.Status.IN_PROGRESS
    accepted = [order for order in live if order.status == WorkOrder.Status.ACCEPTED]
    if any(order.kind != WorkOrder.Kind.INTERIM for order in accepted):
        return Hazard.Status.CLEARED
    if accepted:
        return Hazard.Status.MONITORING
    return Hazard.Status.PLANNED


class ProgressUpdate(models.Model):
    """A progress report (施工进度) from an engineer on site."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="updates", verbose_name=_("work order"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"), validators=PERCENT)
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_updates", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")


class ProgressPhoto(Photo):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="photos")

    class Meta(Photo.Meta):
        pass


class Acceptance(models.Model):
    """The site check (复核销号) that closes a completed order, by someone who did not do the work."""

    order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="acceptance", verbose_name=_("work order"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acceptances", verbose_name=_("accepted by")
    )
    note = models.TextField(_("findings on site"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("accepted"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")


class AcceptancePhoto(Photo):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="photos")

    class Meta(Photo.Meta):
        pass
