"""Citizen reports from the 12345 hotline (接诉即办), received over Open311, awaiting an inspector."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import geo
from .access import Open311Client
from .places import River
from .register import Hazard
from .text import TEXT_MAX_LENGTH


class CitizenReportQuerySet(models.QuerySet):
    def awaiting(self):
        return self.filter(status=CitizenReport.Status.AWAITING)

    def urgent(self):
        """Awaiting reports that must be assigned within hours (life safety, extreme weather)."""
        return self.awaiting().filter(urgency__in=CitizenReport.URGENT)

    def open(self):
        """Open for the hotline: CitizenReport.is_open, in SQL."""
        return self.exclude(status=CitizenReport.Status.REJECTED).filter(
            Q(hazard=None) | Q(hazard__status__in=Hazard.OPEN_STATUSES))

    def answered_within(self, span):
        """First answered (taken on or decided) within `span` of being received."""
        return self.filter(Q(assigned_at__lte=F("received_at") + span) | Q(answered_at__lte=F("received_at") + span))

    def closed(self):
        return self.exclude(closed_at=None)

    def overdue(self, now=None):
        """A deadline passed and not met: CitizenReport.is_overdue, in SQL."""
        now = now or timezone.now()
        return self.filter(
            Q(assign_by__lt=now, assigned_at=None) | Q(answer_by__lt=now, answered_at=None) | Q(close_by__lt=now, closed_at=None)
        )


class CitizenReport(models.Model):
    """A report from a citizen (市民诉求), passed on by the 12345 hotline through Open311.

    Not a hazard: an inspector confirms it into a new hazard, attaches it to an
    existing one, or rejects it with a reason. It carries Beijing's 12345
    handling deadlines (deadlines_for) and, once decided, follows its hazard:
    closed when the hazard is cleared or closed.
    """

    class Service(models.TextChoices):
        BLOCKED_CHANNEL = "blocked_channel", _("Blocked river channel")
        DUMPED_SPOIL = "dumped_spoil", _("Spoil or rubbish dumped by the river")
        ILLEGAL_STRUCTURE = "illegal_structure", _("Illegal structure by the river")
        FLOOD_DANGER = "flood_danger", _("Danger to life: someone trapped, a breach, water rising at houses")

    class Urgency(models.TextChoices):
        LIFE_SAFETY = "life_safety", _("Life safety")
        EXTREME_WEATHER = "extreme_weather", _("During extreme weather")
        ORDINARY = "ordinary", _("Ordinary")
        COMPLEX = "complex", _("Complex")

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting an inspector")
        CONFIRMED = "confirmed", _("Confirmed as a new hazard")
        ATTACHED = "attached", _("Attached to a known hazard")
        REJECTED = "rejected", _("Rejected")

    URGENT = ("life_safety", "extreme_weather")
    # The hazard kind a service suggests to the inspector who confirms it.
    SERVICE_KINDS = {"blocked_channel": "debris", "dumped_spoil": "debris", "illegal_structure": "building",
                     "flood_danger": "other"}

    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="reports",
                               verbose_name=_("received through"))
    service_code = models.CharField(_("service"), max_length=32, choices=Service.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ORDINARY)
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    location = models.PointField(_("location"), srid=geo.WGS84, null=True, blank=True)
    address_string = models.CharField(_("address"), max_length=250, blank=True)
    river = models.ForeignKey(River, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("river"))
    kind = models.CharField(_("kind"), max_length=16, choices=Hazard.Kind.choices, blank=True)
    media_url = models.URLField(_("photo link"), max_length=500, blank=True)
    # The reporter's contact: for inspectors and admins only, never in the API's public fields or exports.
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.AWAITING)
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, null=True, blank=True, related_name="citizen_reports",
                               verbose_name=_("hazard"))
    reject_reason = models.TextField(_("reason for rejecting"), max_length=TEXT_MAX_LENGTH, blank=True)
    duplicate_hazard = models.ForeignKey(Hazard, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                         verbose_name=_("likely duplicate of hazard"))
    duplicate_report = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                         verbose_name=_("likely duplicate of report"))
    duplicate_note = models.CharField(_("why a likely duplicate"), max_length=300, blank=True)

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    assign_by = models.DateTimeField(_("assign by"), null=True, blank=True)
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    close_by = models.DateTimeField(_("close by"), null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned to"))
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    routed_to = models.CharField(_("routed to"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CitizenReportQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        indexes = [models.Index(fields=["status", "urgency"])]

    def __str__(self):
        return f"#{self.pk} {self.get_service_code_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("hazards:citizen-report", args=[self.pk])

    @staticmethod
    def deadlines_for(urgency, received_at):
        """Beijing 12345's handling deadlines: (assign by, answer by, close by).

        Life safety: assigned within 1 hour and answered within 2. During
        extreme weather: assigned within 2 hours. Closed within 7 days, or 15
        for a complex case.
        """
        hours, days = timedelta(hours=1), timedelta(days=1)
        assign = {"life_safety": 1 * hours, "extreme_weather": 2 * hours}.get(urgency)
        answer = 2 * hours if urgency == "life_safety" else None
        close = (15 if urgency == "complex" else 7) * days
        return tuple(received_at + span if span else None for span in (assign, answer, close))

    def set_deadlines(self):
        self.assign_by, self.answer_by, self.close_by = self.deadlines_for(self.urgency, self.received_at)

    @property
    def is_urgent(self):
        return self.urgency in self.URGENT

    def unmet_deadlines(self):
        """(label, deadline) of the deadlines not yet met, earliest first."""
        pending = [(_("assign"), self.assign_by, self.assigned_at), (_("answer"), self.answer_by, self.answered_at),
                   (_("close"), self.close_by, self.closed_at)]
        return sorted(((label, due) for label, due, done in pending if due and not done), key=lambda pair: pair[1])

    @property
    def next_deadline(self):
        """The next deadline to meet, as (label, when), or None when all are met."""
        unmet = self.unmet_deadlines()
        return unmet[0] if unmet else None

    @property
    def is_overdue(self):
        """A deadline has passed and was not met."""
        now = timezone.now()
        return any(due < now for _label, due in self.unmet_deadlines())

    def met_deadlines(self):
        """Whether every deadline was met in time (None while one is still to come)."""
        now = timezone.now()
        outcome = True
        for due, done in ((self.assign_by, self.assigned_at), (self.answer_by, self.answered_at),
                          (self.close_by, self.closed_at)):
            if due is None:
                continue
            if (done or now) > due:
                return False
            if done is None:
                outcome = None
        return outcome

    @property
    def is_open(self):
        """Open for the hotline until rejected, or until its hazard is cleared or closed."""
        if self.status == self.Status.REJECTED:
            return False
        return self.hazard_id is None or self.hazard.is_open

    @property
    def reporter(self):
        return " ".join(part for part in (self.last_name, self.first_name) if part)
