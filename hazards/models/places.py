"""Places: rivers with their centerlines, towns and villages."""

import numpy
import shapely
from django.conf import settings
from django.contrib.gis.db import models
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .. import geo
from .text import TEXT_MAX_LENGTH


class BilingualName(models.Model):
    """A Chinese name and an English one; `name` follows the UI language."""

    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self):
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def __str__(self):
        return self.name


class River(BilingualName):
    """A river (河道), its centerline drawn from upstream (chainage 0) to downstream."""

    code = models.SlugField(_("code"), unique=True)
    code_prefix = models.CharField(_("hazard code prefix"), max_length=8, unique=True)
    centerline = models.LineStringField(_("centerline"), srid=geo.WGS84)
    approximate = models.BooleanField(_("approximate"), default=False)
    source_note = models.TextField(_("source"), max_length=TEXT_MAX_LENGTH, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("river")
        verbose_name_plural = _("rivers")

    @cached_property
    def length_m(self):
        return geo.length_m(self.centerline)

    def locate(self, point):
        """Chainage, offset and bank of a point, as a geo.Location."""
        return geo.locate(self.centerline, point)

    def point_at(self, chainage_m, offset_m=0.0, bank="left"):
        return geo.point_at(self.centerline, chainage_m, offset_m, bank)


class Town(BilingualName):
    """A town or subdistrict (乡镇/街道) of the district."""

    code = models.CharField(_("statistics code"), max_length=12, unique=True)
    geom = models.GeometryField(_("geometry"), srid=geo.WGS84, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("town")
        verbose_name_plural = _("towns")


class Village(BilingualName):
    """A village (村); a point where no boundary is known."""

    code = models.CharField(_("statistics code"), max_length=12, unique=True, null=True, blank=True)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="villages", verbose_name=_("town"))
    geom = models.GeometryField(_("geometry"), srid=geo.WGS84, null=True, blank=True)
    approximate = models.BooleanField(_("approximate position"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    @classmethod
    def containing_or_nearest(cls, point):
        """The village whose area holds the point, else the nearest one within reach."""
        return cls.containing_or_nearest_xy(geo.metric_xy([(point.x, point.y)], point.srid or geo.WGS84))[0]

    @classmethod
    def containing_or_nearest_xy(cls, xy):
        """containing_or_nearest for (n, 2) metric coordinates at once: a village or None for each."""
        villages = list(cls.objects.exclude(geom=None).select_related("town"))
        if not villages or not len(xy):
            return [None] * len(xy)
        shapes = numpy.array([geo.to_metric(village.geom) for village in villages])
        distances = shapely.distance(shapes[:, None], shapely.points(xy)[None, :])
        # The first village (by code) at the least distance wins, as a strict "nearer than" scan would pick.
        best = distances.argmin(axis=0)
        reach = distances[best, numpy.arange(len(xy))] < settings.VILLAGE_RADIUS_M
        return [villages[i] if ok else None for i, ok in zip(best, reach)]
