"""Imports from files (issue 9): who brought which file in, and what it did."""

from django.conf import settings
from django.contrib.gis.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .places import River


class ImportRecord(models.Model):
    """One import of hazards (a register) or of a river's centerline, as it was written."""

    class Kind(models.TextChoices):
        HAZARDS = "hazards", _("Hazards")
        RIVER = "river", _("River centerline")

    kind = models.CharField(_("what"), max_length=8, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=16)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("imported by")
    )
    river = models.ForeignKey(River, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("river"))
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("bad rows skipped"), default=0)
    report = models.JSONField(_("report"), default=dict)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    def get_absolute_url(self):
        return reverse("hazards:import-detail", args=[self.pk])

    @property
    def change_reason(self):
        """What each hazard's history says about this import."""
        return f"Import #{self.pk}: {self.file_name}"[:100]
