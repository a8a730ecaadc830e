"""Inspection tours (拉练检查): a saved set of stops a leader drives, river by river."""

from django.conf import settings
from django.contrib.gis.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .register import DRIVING_ORDER, Hazard
from .text import TEXT_MAX_LENGTH


class Tour(models.Model):
    """A saved inspection tour; its stops always read upstream to downstream, river by river."""

    name = models.CharField(_("name"), max_length=200)
    hazards = models.ManyToManyField(Hazard, related_name="tours", verbose_name=_("stops"))
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="tours", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("inspection tour")
        verbose_name_plural = _("inspection tours")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("hazards:tour", args=[self.pk])

    def stops(self):
        """The tour's hazards in driving order: river by river, upstream to downstream."""
        return self.hazards.order_by(*DRIVING_ORDER)
