"""Flood materials (防汛物资) in depots, and rescue teams (抢险队伍) assigned to hazards or stretches."""

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from .. import geo
from .places import River, Town
from .register import Hazard
from .response import PHONE, check_stretch
from .text import TEXT_MAX_LENGTH


class Depot(models.Model):
    """A flood-materials depot (防汛物资仓库), a point on the map."""

    name = models.CharField(_("name"), max_length=200)
    location = models.PointField(_("location"), srid=geo.WGS84)
    approximate = models.BooleanField(_("approximate position"), default=False)
    town = models.ForeignKey(Town, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("town"))
    keeper = models.CharField(_("keeper"), max_length=100)
    keeper_phone = models.CharField(_("keeper's phone"), max_length=40, blank=True, validators=[PHONE])
    last_checked = models.DateField(_("last checked"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("materials depot")
        verbose_name_plural = _("materials depots")

    def __str__(self):
        return self.name


class DepotItem(models.Model):
    """Materials of one kind in a depot, and how they are stored."""

    class Item(models.TextChoices):
        SANDBAGS = "sandbags", _("Sandbags")
        WOVEN_BAGS = "woven_bags", _("Woven bags")
        PUMPS = "pumps", _("Pumps")
        GENERATORS = "generators", _("Generators")
        LIFE_JACKETS = "life_jackets", _("Life jackets")
        LIGHTS = "lights", _("Lights")
        OTHER = "other", _("Other")

    class Storage(models.TextChoices):
        OWN = "own", _("Own store")  # 自储
        AGENT = "agent", _("Stored by a supplier")  # 代储
        PLEDGED = "pledged", _("Pledged by households")  # 群众号料

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
    description = models.CharField(_("description"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MaxValueValidator(100_000_000)])
    storage = models.CharField(_("stored as"), max_length=8, choices=Storage.choices, default=Storage.OWN)

    class Meta:
        ordering = ["depot", "item", "id"]
        verbose_name = _("materials")
        verbose_name_plural = _("materials")

    def __str__(self):
        return f"{self.get_item_display()} {self.quantity}"


class RescueTeam(models.Model):
    """A rescue team (抢险队伍): on standby (备勤) from response level IV, sent nearest and best first (就近择优)."""

    class Standby(models.TextChoices):
        OFF = "off", _("Not on standby")
        STANDBY = "standby", _("On standby")
        DEPLOYED = "deployed", _("Deployed")

    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("people"), validators=[MaxValueValidator(10_000)])
    equipment = models.TextField(_("equipment"), max_length=TEXT_MAX_LENGTH, blank=True)
    base = models.PointField(_("base"), srid=geo.WGS84)
    approximate = models.BooleanField(_("approximate position"), default=False)
    town = models.ForeignKey(Town, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("town"))
    contact = models.CharField(_("contact"), max_length=100)
    contact_phone = models.CharField(_("contact's phone"), max_length=40, blank=True, validators=[PHONE])
    standby = models.CharField(_("standby"), max_length=10, choices=Standby.choices, default=Standby.OFF)
    hazards = models.ManyToManyField(Hazard, blank=True, related_name="rescue_teams", verbose_name=_("assigned hazards"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("rescue team")
        verbose_name_plural = _("rescue teams")

    def __str__(self):
        return self.name


class TeamStretch(models.Model):
    """A stretch of river (chainage A to B) a rescue team is assigned to."""

    team = models.ForeignKey(RescueTeam, on_delete=models.CASCADE, related_name="stretches")
    river = models.ForeignKey(River, on_delete=models.CASCADE, related_name="+", verbose_name=_("river"))
    start_m = models.FloatField(_("from chainage (m)"))
    end_m = models.FloatField(_("to chainage (m)"))

    class Meta:
        ordering = ["river", "start_m"]
        verbose_name = _("assigned stretch")
        verbose_name_plural = _("assigned stretches")

    def __str__(self):
        return f"{self.river} {geo.format_reach(self.start_m, self.end_m)}"

    def clean(self):
        errors = check_stretch(self.river if self.river_id else None, self.start_m, self.end_m)
        if errors:
            raise ValidationError(errors)
