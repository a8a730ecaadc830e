"""Duty (值班值守): shifts with the leader on duty (带班领导) and staff, the duty log and handover notes."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import TEXT_MAX_LENGTH


class DutyShiftQuerySet(models.QuerySet):
    def at(self, moment):
        """The shifts under way at that moment."""
        return self.filter(starts_at__lte=moment, ends_at__gt=moment)


class DutyShift(models.Model):
    """A duty shift: who is on duty from when to when. Escalations and urgent hotline reports go to them."""

    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("leader on duty"))
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="duty_shifts",
                                   verbose_name=_("staff on duty"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   editable=False, related_name="+")

    objects = DutyShiftQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"

    def people(self):
        """The leader on duty first, then the staff."""
        staff = [user for user in self.staff.all() if user.pk != self.leader_id]
        return [self.leader, *staff]

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A shift ends after it starts.")})
        if self.starts_at and self.ends_at and (self.ends_at - self.starts_at).days >= 2:
            raise ValidationError({"ends_at": _("A shift lasts at most 48 hours.")})


class DutyLogEntry(models.Model):
    """A line of the duty log (值班日志): what came in and how it was handled, or a note handed to the next shift."""

    class Kind(models.TextChoices):
        EVENT = "event", _("Duty log")
        HANDOVER = "handover", _("Handover note")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EVENT)
    at = models.DateTimeField(_("time"))
    shift = models.ForeignKey(DutyShift, on_delete=models.SET_NULL, null=True, blank=True, related_name="log")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("who"))
    what = models.TextField(_("what"), max_length=TEXT_MAX_LENGTH)
    handled = models.TextField(_("how it was handled"), max_length=TEXT_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log")

    def __str__(self):
        return self.what[:60]
