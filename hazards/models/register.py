"""The hazard register: hazards (碍洪点) and their photos."""

import os
import uuid

import numpy
from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import geo, photos
from .places import River, Town, Village
from .text import TEXT_MAX_LENGTH
from .versioned import Versioned

# How a risk list and the register read: river by river (in the rivers' own order), upstream to downstream.
DRIVING_ORDER = ("river__sort_order", "river__code", "chainage_m", "code")


class Hazard(Versioned):
    """A flood-obstruction point (碍洪点): anything that narrows the flood channel.

    Its status is an inspector's call (reported, confirmed, closed) until work
    orders exist; from then on it follows them (works.hazard_status), and no
    form can set it. Every edit is checked against the version it was made on.
    """

    class Kind(models.TextChoices):
        CULVERT = "culvert", _("Culvert")
        BRIDGE_PIER = "bridge_pier", _("Bridge pier")
        PYLON = "pylon", _("Pylon or tower")
        BUILDING = "building", _("Building or structure")
        DEBRIS = "debris", _("Debris or dumping")
        VEGETATION = "vegetation", _("Trees or vegetation")
        SEDIMENT = "sediment", _("Sediment")
        FISH_POND = "fish_pond", _("Fish pond or farmland")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        CONFIRMED = "confirmed", _("Confirmed")
        PLANNED = "planned", _("Clearance planned")
        IN_PROGRESS = "in_progress", _("In progress")
        CLEARED = "cleared", _("Cleared")
        CLOSED = "closed", _("Closed")
        MONITORING = "monitoring", _("Monitoring")

    class RiskLevel(models.TextChoices):
        MAJOR = "major", _("Major (red)")
        HIGH = "high", _("High (orange)")
        MODERATE = "moderate", _("Moderate (yellow)")
        LOW = "low", _("Low (blue)")

    class Bank(models.TextChoices):
        LEFT = "left", _("Left bank")
        RIGHT = "right", _("Right bank")

    RISK_COLOURS = {"major": "#d7191c", "high": "#f28c28", "moderate": "#f2d600", "low": "#2b83ba"}
    RISK_RANK = {"low": 1, "moderate": 2, "high": 3, "major": 4}
    # Kinds that stay in the channel until someone removes them; debris and
    # vegetation outside the main channel are the only low risks.
    LASTING_KINDS = {"culvert", "bridge_pier", "pylon", "building", "sediment", "fish_pond", "other"}
    OPEN_STATUSES = {"reported", "confirmed", "planned", "in_progress", "monitoring"}
    # What an inspector decides; the other statuses follow from work orders.
    REVIEW_STATUSES = ("reported", "confirmed", "closed")

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False, blank=True)
    title = models.CharField(_("title"), max_length=200)
    river = models.ForeignKey(River, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("river"))
    location = models.PointField(_("location"), srid=geo.WGS84)
    chainage_m = models.FloatField(_("chainage (m)"), editable=False, blank=True)
    offset_m = models.FloatField(_("offset from centerline (m)"), editable=False, blank=True)
    bank = models.CharField(_("bank"), max_length=8, choices=Bank.choices, editable=False, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    in_main_channel = models.BooleanField(_("in the main channel"), default=False)
    blockage_pct = models.FloatField(
        _("share of flood cross-section blocked (%)"),
        default=0,
        validators=[
            MinValueValidator(0, _("The blocked share must be between 0 and 100 %%.")),
            MaxValueValidator(100, _("The blocked share must be between 0 and 100 %%.")),
        ],
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, editable=False, blank=True)
    risk_override = models.CharField(_("manual risk level"), max_length=10, choices=RiskLevel.choices, blank=True)
    risk_override_reason = models.TextField(_("reason for the manual risk level"), max_length=TEXT_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    interim_measure = models.TextField(
        _("interim safety measure"), max_length=TEXT_MAX_LENGTH, blank=True,
        help_text=_("What is in place until the hazard is cleared: warning signs, standby pumps, a watch post."),
    )
    # Where the map's tiles find it (tiles.py): its Web Mercator pixel at zoom 22 (geo.web_pixels_xy).
    map_x = models.IntegerField(editable=False, default=0)
    map_y = models.IntegerField(editable=False, default=0)
    town = models.ForeignKey(Town, on_delete=models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("town"))
    village = models.ForeignKey(
        Village, on_delete=models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("village")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="reported_hazards", verbose_name=_("reported by"),
    )
    patrol = models.ForeignKey(
        "hazards.Patrol", on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="hazards_found", verbose_name=_("found on patrol"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["map_x", "map_y"])

    class Meta:
        ordering = DRIVING_ORDER
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        # One for every filter and sort of the list, the map and the API (hazards/filters.py); the
        # location's spatial index comes with the field.
        indexes = [
            models.Index(fields=["river", "chainage_m"]), models.Index(fields=["risk_level", "status"]),
            models.Index(fields=["status"]), models.Index(fields=["kind"]), models.Index(fields=["updated_at"]),
            # The list by risk: each level's hazards, river by river, upstream to downstream.
            models.Index(fields=["risk_level", "river", "chainage_m"], name="hazard_risk_driving_idx"),
            # Covers a map tile's query: its hazards, clustered, read from the index alone.
            models.Index(fields=["map_x", "map_y", "risk_level", "code"], name="hazard_map_tile_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("hazards:detail", args=[self.code])

    @property
    def chainage(self):
        """Chainage as engineers write it, e.g. K12+350."""
        return geo.format_chainage(self.chainage_m)

    @property
    def risk_colour(self):
        return self.RISK_COLOURS[self.risk_level]

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def settable_statuses(self):
        """The statuses an inspector may choose: reported, confirmed or closed while no work order
        counts for the hazard (its current status is kept as a choice); none once one does."""
        if self.pk and self.work_orders.live().exists():
            return []
        return [s for s in self.Status.values if s in self.REVIEW_STATUSES or s == self.status]

    @classmethod
    def risk_rank_expression(cls):
        """Risk as a number in SQL, for sorting and "at least this level"."""
        return models.Case(
            *(models.When(risk_level=level, then=rank) for level, rank in cls.RISK_RANK.items()),
            output_field=models.IntegerField(),
        )

    def computed_risk_level(self):
        """The risk rule, the one place it is written (README, "Risk levels").

        Red: in the main channel and blocking 30 % or more of the flood
        cross-section. Orange: in the main channel, or blocking 15 % or more.
        Yellow: any other lasting obstruction. Blue: debris or vegetation
        outside the main channel blocking less than 15 %.
        """
        if self.in_main_channel and self.blockage_pct >= 30:
            return self.RiskLevel.MAJOR
        if self.in_main_channel or self.blockage_pct >= 15:
            return self.RiskLevel.HIGH
        if self.kind in self.LASTING_KINDS:
            return self.RiskLevel.MODERATE
        return self.RiskLevel.LOW

    def clean(self):
        errors = self.clean_rules()
        if self.location is not None:
            try:
                self.clean_location()
            except ValidationError as error:
                errors["location"] = error.messages
        if errors:
            raise ValidationError(errors)

    def clean_rules(self):
        """The rules on the hazard's own fields, where it is aside, as {field: message}."""
        errors = {}
        if self.risk_override and not self.risk_override_reason.strip():
            errors["risk_override_reason"] = _("Give a reason for the manual risk level.")
        return errors

    def clean_location(self):
        """The point must lie in the district and near the hazard's river (check_locations).

        With no river chosen, the nearest river within reach is taken.
        """
        error = check_locations([self]).get(0)
        if error:
            raise error

    def save(self, *args, **kwargs):
        """Derive chainage, bank, place and risk level; give new hazards a code."""
        derive_places([self])
        if self.code:
            return super().save(*args, **kwargs)
        # Two inspectors may report on one river at the same moment: on a
        # clash of codes, take the next number and try again.
        for attempt in range(5):
            self.code = self.next_code(self.river)
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                if attempt == 4:
                    raise

    @staticmethod
    def next_code(river):
        """The next free code on a river, such as XTH-007."""
        prefix = f"{river.code_prefix}-"
        codes = Hazard.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        numbers = [int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()]
        return f"{prefix}{max(numbers, default=0) + 1:03d}"


def nearest_river(point):
    """The river whose centerline is nearest the point, within the allowed distance."""
    best, best_distance = None, settings.MAX_RIVER_DISTANCE_M
    for river in River.objects.all():
        distance = river.locate(point).offset_m
        if distance <= best_distance:
            best, best_distance = river, distance
    return best


def check_locations(hazards):
    """Where a hazard may be (README, "Domain rules"), for many hazards at once: {index: ValidationError}.

    The point must lie in the district (swapped latitude and longitude are
    named) and within MAX_RIVER_DISTANCE_M of its river's centerline; a
    hazard with no river gets the nearest within reach. Vectorised, so that
    an import of thousands of rows applies the very rule a form applies.
    """
    limit = settings.MAX_RIVER_DISTANCE_M
    lonlat = numpy.array([(h.location.x, h.location.y) for h in hazards], dtype=float).reshape(-1, 2)
    lon, lat = lonlat.T
    plausible = (numpy.abs(lon) <= 180) & (numpy.abs(lat) <= 90)
    inside = numpy.zeros(len(hazards), bool)
    inside[plausible] = geo.in_district_xy(geo.metric_xy(lonlat[plausible]))
    swappable = ~inside & (numpy.abs(lat) <= 180) & (numpy.abs(lon) <= 90)
    swapped_inside = numpy.zeros(len(hazards), bool)
    swapped_inside[swappable] = geo.in_district_xy(geo.metric_xy(lonlat[swappable][:, ::-1]))
    errors = {}
    for i in numpy.flatnonzero(~inside):
        x, y = lonlat[i]
        if swapped_inside[i]:
            errors[i] = ValidationError(
                _(
                    "Latitude and longitude look swapped: %(lat)s is a longitude and %(lon)s a latitude "
                    "in Tongzhou. Enter latitude %(lon)s and longitude %(lat)s."
                )
                % {"lat": y, "lon": x}
            )
        else:
            errors[i] = ValidationError(
                _("The location (latitude %(lat)s, longitude %(lon)s) is outside Tongzhou district.")
                % {"lat": y, "lon": x}
            )
    placed = numpy.flatnonzero(inside)
    xy = geo.metric_xy(lonlat[placed])
    rivers = list(River.objects.all())
    offsets = numpy.array([geo.offsets_xy(river.centerline, xy) for river in rivers]).reshape(len(rivers), -1)
    by_id = {river.pk: n for n, river in enumerate(rivers)}
    for column, i in enumerate(placed):
        hazard = hazards[i]
        if hazard.river_id is None:
            nearest = offsets[:, column].argmin() if rivers else None
            if nearest is None or offsets[nearest, column] > limit:
                errors[i] = ValidationError(
                    _("No river centerline lies within %(limit)d m of this location.") % {"limit": limit}
                )
            else:
                hazard.river = rivers[nearest]
            continue
        distance = offsets[by_id[hazard.river_id], column]
        if distance > limit:
            errors[i] = ValidationError(
                _("The location is %(distance)s m from the %(river)s centerline; a hazard must lie within %(limit)d m of it.")
                % {"distance": f"{distance:,.0f}", "river": hazard.river.name, "limit": limit}
            )
    return {int(i): error for i, error in errors.items()}


def derive_places(hazards):
    """What a hazard's save derives, for many hazards at once: chainage, offset, bank, risk level, village, town,
    and its place on map tiles."""
    lonlat = [(h.location.x, h.location.y) for h in hazards]
    xy = geo.metric_xy(lonlat)
    for hazard, (x, y) in zip(hazards, geo.web_pixels_xy(lonlat)):
        hazard.map_x, hazard.map_y = int(x), int(y)
    by_river = {}
    for i, hazard in enumerate(hazards):
        by_river.setdefault(hazard.river_id, []).append(i)
    for indexes in by_river.values():
        river = hazards[indexes[0]].river
        chainages, offsets, banks = geo.locate_xy(river.centerline, xy[indexes])
        for i, chainage, offset, bank in zip(indexes, chainages, offsets, banks):
            hazards[i].chainage_m, hazards[i].offset_m, hazards[i].bank = float(chainage), float(offset), str(bank)
    for hazard, village in zip(hazards, Village.containing_or_nearest_xy(xy)):
        if not hazard.risk_override:
            hazard.risk_override_reason = ""
        hazard.risk_level = hazard.risk_override or hazard.computed_risk_level()
        hazard.village = village
        hazard.town = village.town if village else None


def photo_path(instance, filename):
    """Random names with an image extension: nothing of the uploader's name reaches the file system,
    and no upload can be served back as a page (an "x.html" that is also a valid JPEG)."""
    extension = os.path.splitext(filename)[1].lower()
    return f"photos/{uuid.uuid4().hex}{extension if extension in photos.EXTENSIONS.values() else '.jpg'}"


class Photo(models.Model):
    """A site photo, with the GPS position its camera recorded, if any."""

    image = models.ImageField(_("photo"), upload_to=photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="thumbnails/", blank=True)
    gps_location = models.PointField(_("GPS position"), srid=geo.WGS84, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    @classmethod
    def from_upload(cls, photo, user, **owner):
        """Save a photo prepared by its form (photos.prepare, before the transaction): two files and a row.

        A plain upload (from a command or a test) is prepared here. The files go
        if the transaction this runs in rolls back.
        """
        if not isinstance(photo, photos.PreparedPhoto):
            photo = photos.prepare(photo)
        with transaction.atomic(savepoint=False):
            row = cls(uploaded_by=user, gps_location=photo.gps, **owner)
            row.thumbnail.save(f"{uuid.uuid4().hex}.jpg", ContentFile(photo.thumbnail), save=False)
            photos.delete_on_rollback(row.thumbnail.storage, row.thumbnail.name)
            photo.file.seek(0)
            row.image.save(f"photo{photo.extension}", photo.file, save=False)
            photos.delete_on_rollback(row.image.storage, row.image.name)
            row.save()
        return row


class HazardPhoto(Photo):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos", verbose_name=_("hazard"))

    class Meta(Photo.Meta):
        pass
