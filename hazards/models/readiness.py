"""Flood-season readiness: patrols (巡查), evacuation plans (人员疏散应急预案) and drills (防汛演练)."""


from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import geo, season
from .places import River, Town, Village
from .register import Hazard, Photo
from .text import TEXT_MAX_LENGTH
from .works import WorkOrder


class Patrol(models.Model):
    """A river patrol (巡查/巡河): who walked which stretch of a river, and when."""

    class Source(models.TextChoices):
        GPX = "gpx", _("GPX track")
        DRAWN = "drawn", _("Drawn on the map")

    river = models.ForeignKey(River, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("river"))
    date = models.DateField(_("date"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("inspector")
    )
    companions = models.CharField(_("patrolled with"), max_length=200, blank=True)
    source = models.CharField(_("track from"), max_length=8, choices=Source.choices)
    track = models.MultiLineStringField(_("track"), srid=geo.WGS84)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    moving_speed_kmh = models.FloatField(_("speed while moving (km/h)"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    # Derived from the track on save (geo.covered_intervals): what it covers of its river.
    length_m = models.FloatField(_("track length (m)"), editable=False, default=0)
    covered = models.JSONField(_("covered chainages"), editable=False, default=list)
    covered_m = models.FloatField(_("river covered (m)"), editable=False, default=0)
    on_river_pct = models.FloatField(_("share of the track along the river (%)"), editable=False, default=0)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")

    def __str__(self):
        return f"{self.river} {self.date:%Y-%m-%d} {self.inspector}"

    def get_absolute_url(self):
        return reverse("hazards:patrol", args=[self.pk])

    @property
    def is_too_fast(self):
        """Faster while moving than anyone walks (PATROL_MAX_WALKING_KMH)."""
        return self.moving_speed_kmh is not None and self.moving_speed_kmh > settings.PATROL_MAX_WALKING_KMH

    @property
    def follows_river(self):
        """Enough of the track runs along the river (PATROL_MIN_ON_RIVER_PCT)."""
        return self.on_river_pct >= settings.PATROL_MIN_ON_RIVER_PCT

    @property
    def flags(self):
        """What a leader should look at twice, as sentences."""
        flags = []
        if self.is_too_fast:
            flags.append(_("Too fast to be on foot: %(speed).0f km/h while moving.") % {"speed": self.moving_speed_kmh})
        if not self.follows_river:
            flags.append(
                _("The track does not follow the river: only %(pct).0f %% of it lies within %(m)s m of the centerline.")
                % {"pct": self.on_river_pct, "m": settings.PATROL_MAX_OFFSET_M}
            )
        return flags

    @property
    def stretches(self):
        """The covered stretches as engineers write them: K1+200–K3+400."""
        return [geo.format_reach(a, b) for a, b in self.covered]

    def clean(self):
        errors = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("The patrol date is in the future.")
        if self.track is not None and self.river_id is None:
            river = river_followed_by(self.track)
            if river is not None:
                self.river = river
            else:
                errors["river"] = _(
                    "The track does not come within %(m)s m of any river; choose the river it belongs to."
                ) % {"m": settings.PATROL_MAX_OFFSET_M}
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        """Derive the track's length and what it covers of the river."""
        on_river = geo.track_on_river(self.river.centerline, self.track, settings.PATROL_MAX_OFFSET_M)
        self.length_m = geo.track_length_m(self.track)
        self.covered = [[round(a, 1), round(b, 1)] for a, b in on_river.covered]
        self.covered_m = geo.intervals_length(self.covered)
        self.on_river_pct = 100 * on_river.near_share
        super().save(*args, **kwargs)

    def hazards_passed(self):
        """The hazards on this river within the stretches the patrol covered, upstream to downstream."""
        within = models.Q(pk__in=[])
        for start, end in self.covered:
            within |= models.Q(chainage_m__gte=start, chainage_m__lte=end)
        return Hazard.objects.filter(within, river=self.river_id).order_by("chainage_m")


def river_followed_by(track):
    """The river a track covers most of, if it covers any."""
    best, best_m = None, 0.0
    for river in River.objects.all():
        covered = geo.intervals_length(geo.track_on_river(river.centerline, track, settings.PATROL_MAX_OFFSET_M).covered)
        if covered > best_m:
            best, best_m = river, covered
    return best


class PatrolCheck(models.Model):
    """A hazard checked on a patrol (巡查记录): what the inspector saw there."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="checks", verbose_name=_("patrol"))
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="patrol_checks", verbose_name=_("hazard"))
    observation = models.TextField(_("observation"), max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["patrol", "hazard__chainage_m"]
        verbose_name = _("hazard checked on a patrol")
        verbose_name_plural = _("hazards checked on patrols")
        constraints = [models.UniqueConstraint(fields=["patrol", "hazard"], name="one_check_per_hazard_and_patrol")]

    def __str__(self):
        return f"{self.hazard.code}: {self.observation[:40]}"

    def clean(self):
        if self.hazard_id and self.patrol_id and self.hazard.river_id != self.patrol.river_id:
            raise ValidationError({"hazard": _("This hazard is on another river than the patrol.")})


class PatrolPhoto(Photo):
    patrol_check = models.ForeignKey(PatrolCheck, on_delete=models.CASCADE, related_name="photos")

    class Meta(Photo.Meta):
        pass


class EvacuationPlan(models.Model):
    """A village's evacuation plan (人员疏散应急预案): who leaves, when, by which route, to where."""

    class Trigger(models.TextChoices):
        # Beijing's flood warnings (洪水预警), lowest to highest.
        BLUE = "blue", _("Blue flood warning")
        YELLOW = "yellow", _("Yellow flood warning")
        ORANGE = "orange", _("Orange flood warning")
        RED = "red", _("Red flood warning")

    village = models.OneToOneField(
        Village, on_delete=models.PROTECT, related_name="evacuation_plan", verbose_name=_("village")
    )
    people_at_risk = models.PositiveIntegerField(_("people at risk"))
    households_at_risk = models.PositiveIntegerField(_("households at risk"))
    vulnerable_people = models.PositiveIntegerField(
        _("vulnerable people"), default=0, help_text=_("Elderly living alone, disabled, bedridden, children.")
    )
    vulnerable_note = models.TextField(_("who helps the vulnerable"), max_length=TEXT_MAX_LENGTH, blank=True)
    trigger_level = models.CharField(_("evacuate at"), max_length=8, choices=Trigger.choices)
    reviewed_on = models.DateField(_("last reviewed"))
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["village__code"]
        verbose_name = _("evacuation plan")
        verbose_name_plural = _("evacuation plans")

    def __str__(self):
        return str(_("Evacuation plan of %(village)s") % {"village": self.village})

    def get_absolute_url(self):
        return reverse("hazards:plan", args=[self.pk])

    @property
    def shelter_capacity(self):
        """Places in all its shelters."""
        return sum(shelter.capacity for shelter in self.shelters.all())

    @property
    def too_few_places(self):
        return self.shelter_capacity < self.people_at_risk

    def is_current(self, today=None):
        """Reviewed this calendar year."""
        return self.reviewed_on.year == (today or timezone.localdate()).year

    def clean(self):
        errors = {}
        if self.people_at_risk is not None:
            if self.households_at_risk is not None and self.households_at_risk > self.people_at_risk:
                errors["households_at_risk"] = _("There cannot be more households than people at risk.")
            if self.vulnerable_people is not None and self.vulnerable_people > self.people_at_risk:
                errors["vulnerable_people"] = _("The vulnerable people are counted among the people at risk.")
        if self.reviewed_on and self.reviewed_on > timezone.localdate():
            errors["reviewed_on"] = _("The review date is in the future.")
        if errors:
            raise ValidationError(errors)


class PlanContact(models.Model):
    """A person to call (责任人) under an evacuation plan."""

    plan = models.ForeignKey(EvacuationPlan, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    duty = models.CharField(_("duty"), max_length=100, blank=True, help_text=_("e.g. village head, town cadre"))
    phone = models.CharField(_("phone"), max_length=40)

    class Meta:
        ordering = ["id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self):
        return f"{self.name} {self.phone}"


class Shelter(models.Model):
    """A shelter (避险安置点) where evacuated people stay."""

    plan = models.ForeignKey(EvacuationPlan, on_delete=models.CASCADE, related_name="shelters")
    name = models.CharField(_("name"), max_length=100)
    location = models.PointField(_("location"), srid=geo.WGS84)
    capacity = models.PositiveIntegerField(_("capacity (people)"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["id"]
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")

    def __str__(self):
        return self.name


class EvacuationRoute(models.Model):
    """An evacuation route (转移路线) from the village to a shelter."""

    plan = models.ForeignKey(EvacuationPlan, on_delete=models.CASCADE, related_name="routes")
    name = models.CharField(_("name"), max_length=100)
    path = models.LineStringField(_("route"), srid=geo.WGS84)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evacuation route")
        verbose_name_plural = _("evacuation routes")

    def __str__(self):
        return self.name

    @property
    def length_m(self):
        return geo.track_length_m(self.path)


class Drill(models.Model):
    """A flood drill (防汛演练) held by a town, or by some of its villages."""

    class Kind(models.TextChoices):
        EVACUATION = "evacuation", _("Evacuation")
        RESCUE = "rescue", _("Rescue")
        SANDBAG = "sandbag", _("Sandbags and embankment")
        PUMPING = "pumping", _("Pumping")
        COMMUNICATIONS = "communications", _("Communications")

    date = models.DateField(_("date"))
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="drills", verbose_name=_("town"))
    villages = models.ManyToManyField(
        Village, blank=True, related_name="drills", verbose_name=_("villages"),
        help_text=_("Leave empty for a drill of the whole town."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    scenario = models.TextField(_("scenario"), max_length=TEXT_MAX_LENGTH)
    organiser = models.CharField(_("organiser"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(1)])
    problems = models.TextField(_("what went wrong"), max_length=TEXT_MAX_LENGTH, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[villages])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.town} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("hazards:drill", args=[self.pk])

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("Record a drill once it has taken place; this date is in the future.")})

    def is_before_season(self, today=None):
        """Held after the last flood season ended and before the one in view starts."""
        window_start, season_start = season.season_in_view(today)
        return window_start < self.date <= season_start


class DrillFollowUp(models.Model):
    """A follow-up action (整改措施) from a drill; it may become a clearance work order."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("drill"))
    action = models.TextField(_("action"), max_length=TEXT_MAX_LENGTH)
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="drill_follow_up",
        verbose_name=_("work order"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self):
        return self.action[:60]


class DrillPhoto(Photo):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="photos")

    class Meta(Photo.Meta):
        pass
