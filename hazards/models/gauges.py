"""Gauges (水位站，雨量站) with their thresholds, their readings, and the warning levels readings suggest."""

import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import geo
from .places import River
from .response import Declaration, WarningLevel
from .text import TEXT_MAX_LENGTH

# Any reading outside these is a typing or unit mistake (metres above datum; millimetres of rain in an hour).
WATER_LEVEL_RANGE = (-50.0, 2000.0)
RAIN_RANGE = (0.0, 500.0)


class Gauge(models.Model):
    """A water-level (水位站) or rain (雨量站) gauge, the stretch of river it watches, and its thresholds.

    What a reading suggests (never declares), the one place it is written
    (Gauge.suggestion): water at the alert level (设防) a blue warning, at the
    warning level (警戒) yellow, at the guaranteed level (保证) orange; rain over
    its hourly or three-hour threshold a blue warning. Red is never suggested by
    one gauge: it is the city's call.
    """

    class Kind(models.TextChoices):
        WATER_LEVEL = "water_level", _("Water level")
        RAIN = "rain", _("Rain")

    code = models.SlugField(_("station code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    location = models.PointField(_("location"), srid=geo.WGS84)
    approximate = models.BooleanField(_("approximate position"), default=False)
    source_note = models.TextField(_("source"), max_length=TEXT_MAX_LENGTH, blank=True)
    river = models.ForeignKey(River, on_delete=models.PROTECT, related_name="gauges", verbose_name=_("river"))
    # Empty in a form: 2 km either side of the gauge (derive_stretch).
    stretch_start_m = models.FloatField(_("watches from chainage (m)"), blank=True)
    stretch_end_m = models.FloatField(_("watches to chainage (m)"), blank=True)
    alert_level_m = models.FloatField(_("alert level (m)"), null=True, blank=True)
    warning_level_m = models.FloatField(_("warning level (m)"), null=True, blank=True)
    guaranteed_level_m = models.FloatField(_("guaranteed level (m)"), null=True, blank=True)
    rain_1h_mm = models.FloatField(_("rain in 1 hour (mm)"), null=True, blank=True)
    rain_3h_mm = models.FloatField(_("rain in 3 hours (mm)"), null=True, blank=True)

    class Meta:
        ordering = ["river", "stretch_start_m", "code"]
        verbose_name = _("gauge")
        verbose_name_plural = _("gauges")

    def __str__(self):
        return self.name

    @property
    def unit(self):
        return "m" if self.kind == self.Kind.WATER_LEVEL else "mm"

    @property
    def value_range(self):
        return WATER_LEVEL_RANGE if self.kind == self.Kind.WATER_LEVEL else RAIN_RANGE

    @property
    def stretch(self):
        return geo.format_reach(self.stretch_start_m, self.stretch_end_m)

    def thresholds(self):
        """[(label, value, warning it suggests)], lowest first, for the thresholds set."""
        if self.kind == self.Kind.WATER_LEVEL:
            rows = [(_("alert level"), self.alert_level_m, WarningLevel.BLUE),
                    (_("warning level"), self.warning_level_m, WarningLevel.YELLOW),
                    (_("guaranteed level"), self.guaranteed_level_m, WarningLevel.ORANGE)]
        else:
            rows = [(_("rain in 1 hour"), self.rain_1h_mm, WarningLevel.BLUE),
                    (_("rain in 3 hours"), self.rain_3h_mm, WarningLevel.BLUE)]
        return [row for row in rows if row[1] is not None]

    def suggestion(self, value, rain_3h=None):
        """(threshold label, warning) for a reading (and, for rain, the three hours to it), or None if under them all."""
        found = None
        for label, threshold, warning in self.thresholds():
            measured = rain_3h if label == _("rain in 3 hours") else value
            if measured is not None and measured >= threshold:
                found = (label, warning)
        return found

    def clean(self):
        errors = {}
        levels = [self.alert_level_m, self.warning_level_m, self.guaranteed_level_m]
        given = [level for level in levels if level is not None]
        if given != sorted(given):
            errors["guaranteed_level_m"] = _("The alert, warning and guaranteed levels go up in that order.")
        if self.river_id and self.location is not None:
            self.derive_stretch()
        if errors:
            raise ValidationError(errors)

    def derive_stretch(self, half_length_m=2000):
        """The stretch watched, when not given: half_length_m either side of the gauge's place on its river."""
        if self.stretch_start_m is None or self.stretch_end_m is None:
            chainage = self.river.locate(self.location).chainage_m
            self.stretch_start_m = max(0.0, chainage - half_length_m)
            self.stretch_end_m = min(self.river.length_m, chainage + half_length_m)


class GaugeReading(models.Model):
    """A gauge's reading: a water level (m), or the rain in the hour before it (mm); by hand or from a CSV file."""

    class Source(models.TextChoices):
        HAND = "hand", _("Entered by hand")
        CSV = "csv", _("Imported from CSV")

    gauge = models.ForeignKey(Gauge, on_delete=models.CASCADE, related_name="readings", verbose_name=_("gauge"))
    observed_at = models.DateTimeField(_("observed at"))
    value = models.FloatField(_("reading"))
    source = models.CharField(_("source"), max_length=4, choices=Source.choices, default=Source.HAND)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-observed_at", "-id"]
        verbose_name = _("gauge reading")
        verbose_name_plural = _("gauge readings")
        constraints = [models.UniqueConstraint(fields=["gauge", "observed_at"], name="one_reading_per_gauge_and_time")]

    def __str__(self):
        return f"{self.gauge} {self.observed_at:%Y-%m-%d %H:%M} {self.value}"

    def check_value(self):
        """{field: message} if the reading cannot be one of this gauge's."""
        low, high = self.gauge.value_range
        if not low <= self.value <= high:
            return {"value": _("A reading of this gauge lies between %(low)s and %(high)s %(unit)s.")
                    % {"low": low, "high": high, "unit": self.gauge.unit}}
        return {}


THREE_HOURS = datetime.timedelta(hours=3)


class GaugeAlert(models.Model):
    """A warning level a reading suggests to the person on duty. Nothing is declared until a person does."""

    gauge = models.ForeignKey(Gauge, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("gauge"))
    reading = models.ForeignKey(GaugeReading, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("reading"))
    threshold = models.CharField(_("threshold"), max_length=40)
    suggested = models.CharField(_("suggested warning"), max_length=8, choices=WarningLevel.choices)
    created_at = models.DateTimeField(_("raised"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    declaration = models.ForeignKey(Declaration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("declared"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggested warning")
        verbose_name_plural = _("suggested warnings")

    def __str__(self):
        return f"{self.gauge}: {self.get_suggested_display()}"
