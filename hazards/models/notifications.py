"""Notifications (issue 13): each user's choices, group robots, and one Delivery row per notice and channel."""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .response import PHONE, Notice

Kind = Notice.Kind
# The events a user may choose; the flood response's own messages (calls, escalations, gauges, urgent reports)
# always go: they need someone to act now.
EVENTS = [Kind.ASSIGNED, Kind.DUE_SOON, Kind.OVERDUE, Kind.COMPLETED, Kind.CITIZEN_REPORT, Kind.DUPLICATE,
          Kind.RED_HAZARD, Kind.DIGEST]
ALWAYS = [Kind.CALL, Kind.ESCALATION, Kind.GAUGE, Kind.HOTLINE]


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    ROBOT = "robot", _("Group robot")


def check_robot_url(url):
    """A robot's webhook must be one of the providers' addresses (ROBOT_URL_PREFIXES): Floodwatch posts to no
    other place a user types in."""
    if url and not any(url.startswith(prefix) for prefix in settings.ROBOT_URL_PREFIXES):
        raise ValidationError(_("Paste the robot's webhook address as the group's settings show it (it starts "
                                "with %(prefixes)s).") % {"prefixes": " or ".join(settings.ROBOT_URL_PREFIXES)})


class Robot(models.Model):
    """A group robot (群机器人) of WeCom (企业微信) or DingTalk (钉钉): a webhook its group chat reads.

    Either a unit's (a group of users: what its members are told of the chosen events goes there, once per
    event) or one user's own (set on their notification settings page). A robot cannot tell who read a message:
    messages that need an answer also go to the person.
    """

    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk robot")
        WECOM = "wecom", _("WeCom robot")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.CharField(_("webhook address"), max_length=500, validators=[check_robot_url])
    secret = models.CharField(_("signing secret"), max_length=100, blank=True,
                              help_text=_("DingTalk's 加签 secret (SEC…), if the robot has one."))
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="robots",
                              verbose_name=_("unit (group of users)"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="robot", verbose_name=_("user"))
    events = models.JSONField(_("events"), default=list, blank=True)
    # The times of its last posts, to keep under the provider's limit (notify.take_robot_slot).
    recent_posts = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        constraints = [models.CheckConstraint(
            condition=models.Q(group__isnull=True) | models.Q(user__isnull=True), name="robot_for_a_unit_or_a_user")]

    def __str__(self):
        return self.name


class NotificationSettings(models.Model):
    """What one user wants to be told of, and how (the profile page). No row: the defaults of their roles."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings")
    phone = models.CharField(_("mobile phone"), max_length=40, blank=True, validators=[PHONE])
    events = models.JSONField(_("events"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)


class DeliveryQuerySet(models.QuerySet):
    def due(self, now):
        """Waiting to go, and not waiting for a retry; or claimed by a sender that died (STALE_SENDING)."""
        return self.filter(models.Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
                           | models.Q(status=Delivery.Status.SENDING, claimed_at__lt=now - Delivery.STALE_SENDING))


class Delivery(models.Model):
    """One notice on one channel: written with the notice (the outbox), claimed before it is sent, and what
    happened (sent, or the error of each failed attempt until it gives up).

    `key` is unique: e-mail and SMS once per notice, a unit's robot once per event however many of its members
    were told.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    STALE_SENDING = datetime.timedelta(minutes=10)

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("to"), max_length=254, blank=True)
    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    key = models.CharField(max_length=160, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} {self.address or self.robot}: {self.get_status_display()}"
