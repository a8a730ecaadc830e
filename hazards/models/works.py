"""Clearance works: work orders (应急消险工程), progress updates and acceptance (复核销号)."""

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

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class WorkOrderQuerySet(models.QuerySet):
    def open(self):
        """Not yet accepted: WorkOrder.is_open, in SQL."""
        return self.exclude(status=WorkOrder.Status.ACCEPTED)

    def overdue(self):
        """Past the deadline and not completed: WorkOrder.is_overdue, in SQL."""
        return self.filter(deadline__lt=timezone.localdate()).exclude(status__in=WorkOrder.DONE_STATUSES)


class WorkOrder(models.Model):
    """A clearance works order (应急消险工程) for a hazard or a reach of river."""

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
    suspended_reason = models.TextField(_("reason for suspension"), blank=True)
    progress_pct = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=PERCENT)
    # Every accepted change bumps the version; a change made against an older
    # one is refused (services.StaleVersion), so no update is lost.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WorkOrderQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[engineers])

    class Meta:
        ordering = ["deadline", "id"]
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
        if self.pk:
            self.version += 1
        super().save(*args, **kwargs)


class ProgressUpdate(models.Model):
    """A progress report (施工进度) from an engineer on site."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="updates", verbose_name=_("work order"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"), validators=PERCENT)
    note = models.TextField(_("note"), blank=True)
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
    note = models.TextField(_("findings on site"), blank=True)
    created_at = models.DateTimeField(_("accepted"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")


class AcceptancePhoto(Photo):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="photos")

    class Meta(Photo.Meta):
        pass
