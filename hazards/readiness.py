"""Readiness read across models: patrol coverage per river, villages' readiness, villages at risk.

The rules, each written once:
- Coverage: the union of the stretches that patrols of the last N days
  covered (each patrol's stretches come from geo.covered_intervals on save).
- A village is in the readiness table if it lies within
  READINESS_RIVER_DISTANCE_M of a river's centerline; its place on the river
  is the chainage of its foot on the centerline.
- A village is at risk from a hazard on that river if it lies downstream of it
  (greater chainage), at most AT_RISK_DOWNSTREAM_M, or level with it
  (ALONGSIDE_M upstream at most: a hazard beside the village floods it too).
- Ready: an evacuation plan reviewed this calendar year, and a drill held
  before the flood season in view (Drill.is_before_season). A drill of a
  whole town (no villages named) counts for each of its villages.
- Flagged first: at risk from an open red or orange hazard, and without a
  plan or without a drill before the season. A village at risk also needs its
  responsible persons named for the season (Responsibility.REQUIRED_FOR_VILLAGE);
  the missing ones are flagged beside it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from . import geo, season
from .models import Drill, EvacuationPlan, Hazard, Patrol, Responsibility, River, Village

ALONGSIDE_M = 200
SEVERE_RISKS = ("major", "high")  # red and orange


@dataclass
class Coverage:
    """What patrols of the last `days` days covered of a river."""

    river: River
    days: int
    covered: list
    patrol_count: int

    @property
    def length_m(self):
        return self.river.length_m

    @property
    def covered_m(self):
        return geo.intervals_length(self.covered)

    @property
    def percent(self):
        return 100 * self.covered_m / self.length_m if self.length_m else 0

    @property
    def uncovered(self):
        return geo.uncovered_intervals(self.covered, self.length_m)

    def bar(self):
        """Covered and uncovered stretches as shares of the river, for a strip drawn upstream to downstream."""
        parts = [(a, b, True) for a, b in self.covered] + [(a, b, False) for a, b in self.uncovered]
        return [
            {"left": 100 * a / self.length_m, "width": 100 * (b - a) / self.length_m, "covered": covered,
             "label": geo.format_reach(a, b)}
            for a, b, covered in sorted(parts)
        ]


COVERAGE_DAYS = (7, 30)  # the windows coverage is shown for


def patrol_window(days, today=None):
    """The first day of the last `days` days, today included."""
    return (today or timezone.localdate()) - datetime.timedelta(days=days - 1)


def river_coverage(days, today=None, rivers=None):
    """Coverage of every river (or of those given) by the patrols of the last `days` days."""
    rivers = list(rivers if rivers is not None else River.objects.all())
    stretches, counts = defaultdict(list), defaultdict(int)
    rows = Patrol.objects.filter(date__gte=patrol_window(days, today), river__in=rivers).values_list("river", "covered")
    for river_id, covered in rows:
        stretches[river_id].extend(tuple(interval) for interval in covered)
        counts[river_id] += 1
    return [
        Coverage(river=river, days=days, covered=geo.merge_intervals(stretches[river.pk]), patrol_count=counts[river.pk])
        for river in rivers
    ]


@dataclass(frozen=True)
class Place:
    """Where a village lies along a river."""

    river: River
    chainage_m: float
    offset_m: float

    @property
    def chainage(self):
        return geo.format_chainage(self.chainage_m)


def village_point(village):
    return village.geom if village.geom.geom_type == "Point" else village.geom.point_on_surface


def places_of(village, rivers):
    """The village's places on the rivers within READINESS_RIVER_DISTANCE_M, nearest first."""
    point = village_point(village)
    places = []
    for river in rivers:
        where = river.locate(point)
        if where.offset_m <= settings.READINESS_RIVER_DISTANCE_M:
            places.append(Place(river, where.chainage_m, where.offset_m))
    return sorted(places, key=lambda place: place.offset_m)


def downstream_m(hazard, place):
    """How far downstream of the hazard the place lies, if at risk from it; None otherwise."""
    if hazard.river_id != place.river.pk:
        return None
    distance = place.chainage_m - hazard.chainage_m
    return distance if -ALONGSIDE_M <= distance <= settings.AT_RISK_DOWNSTREAM_M else None


@dataclass
class Readiness:
    """One village's readiness for the flood season in view."""

    village: Village
    places: list
    plan: EvacuationPlan | None
    drills: list  # newest first
    today: datetime.date
    threat: Hazard | None = None  # the nearest open red or orange hazard upstream (or beside it), at any distance
    threat_m: float | None = None  # how far upstream of the village it lies
    people: list = field(default_factory=list)  # responsibilities named for it this season

    @property
    def place(self):
        return self.places[0]

    @property
    def plan_current(self):
        return self.plan is not None and self.plan.is_current(self.today)

    @property
    def last_drill(self):
        return self.drills[0] if self.drills else None

    @property
    def drilled_before_season(self):
        return any(drill.is_before_season(self.today) for drill in self.drills)

    @property
    def threat_beside(self):
        """The nearest threat lies level with the village rather than upstream of it."""
        return self.threat_m is not None and self.threat_m <= ALONGSIDE_M

    @property
    def at_risk(self):
        """At risk from an open red or orange hazard: the nearest one upstream lies within AT_RISK_DOWNSTREAM_M
        (downstream_m), so one at least does."""
        return self.threat_m is not None and self.threat_m <= settings.AT_RISK_DOWNSTREAM_M

    @property
    def ready(self):
        return self.plan_current and self.drilled_before_season

    @property
    def flagged(self):
        """At risk from an open red or orange hazard, without a plan or a drill before the season."""
        return self.at_risk and (self.plan is None or not self.drilled_before_season)

    @property
    def missing_people(self):
        """At risk, and without all its responsible persons named for the season: the roles missing."""
        return Responsibility.missing(self.people, Responsibility.REQUIRED_FOR_VILLAGE) if self.at_risk else []

    @property
    def gaps(self):
        """What is missing, as short phrases."""
        gaps = []
        if self.plan is None:
            gaps.append(_("no evacuation plan"))
        elif not self.plan_current:
            gaps.append(_("plan not reviewed this year"))
        if not self.drilled_before_season:
            gaps.append(_("no drill before the flood season"))
        return gaps

    @property
    def rank(self):
        """Flagged villages first, then those not ready, then the ready ones."""
        return 0 if self.flagged else 1 if not self.ready else 2


# The readiness table's views (?show=) and the dashboard's figures of villages: one test each.
READINESS_VIEWS = {
    "flagged": lambda row: row.flagged,
    "at_risk": lambda row: row.at_risk,
    "not_ready": lambda row: not row.ready,
    "ready": lambda row: row.ready,
    "no_plan": lambda row: row.plan is None,
    "no_drill": lambda row: not row.drilled_before_season,
}


def village_readiness(today=None, river=None):
    """The readiness table: every village near a river, flagged ones first, then by river and chainage."""
    today = today or timezone.localdate()
    rivers = list(River.objects.all())
    context = _ReadinessContext.load(today)
    villages = [(village, places_of(village, rivers)) for village in Village.objects.exclude(geom=None).select_related("town")]
    context.find_nearest([place for _village, places in villages for place in places])
    rows = []
    for village, places in villages:
        if places and (river is None or any(place.river.pk == river.pk for place in places)):
            rows.append(context.readiness(village, places, today))
    rows.sort(key=lambda r: (r.rank, r.place.river.sort_order, r.place.river.code, r.place.chainage_m))
    return rows


def villages_at_risk(hazard, today=None):
    """The villages at risk from a hazard, nearest first: (readiness, metres downstream)."""
    return villages_at_risk_from([hazard], today)[hazard.pk]


def villages_at_risk_from(hazards, today=None):
    """For many hazards at once (the risk list): {hazard pk: [(readiness, metres downstream)]}."""
    today = today or timezone.localdate()
    rivers = list(River.objects.all())
    context = _ReadinessContext.load(today)
    villages = [(village, places_of(village, rivers)) for village in Village.objects.exclude(geom=None).select_related("town")]
    context.find_nearest([place for _village, places in villages for place in places])
    readiness = {}
    result = {}
    for hazard in hazards:
        rows = []
        for village, places in villages:
            on_river = [place for place in places if place.river.pk == hazard.river_id]
            distance = downstream_m(hazard, on_river[0]) if on_river else None
            if distance is not None:
                if village.pk not in readiness:
                    readiness[village.pk] = context.readiness(village, places, today)
                rows.append((readiness[village.pk], distance))
        result[hazard.pk] = sorted(rows, key=lambda pair: pair[1])
    return result


class _ReadinessContext:
    """Plans and drills, each read once, for many villages; the severe open hazard nearest upstream of each
    place on a river, one lookup on the (river, chainage) index a place, however many hazards there are."""

    def __init__(self, plans, village_drills, town_drills, people):
        self.plans, self.village_drills, self.town_drills, self.people = plans, village_drills, town_drills, people
        self.nearest = {}

    @classmethod
    def load(cls, today):
        plans = {plan.village_id: plan for plan in EvacuationPlan.objects.all()}
        village_drills, town_drills = defaultdict(list), defaultdict(list)
        for drill in Drill.objects.prefetch_related("villages"):
            villages = list(drill.villages.all())
            for village in villages:
                village_drills[village.pk].append(drill)
            if not villages:
                town_drills[drill.town_id].append(drill)
        people = defaultdict(list)
        named = Responsibility.objects.filter(season=season.season_year(today), village__isnull=False).select_related("person")
        for item in named:
            people[item.village_id].append(item)
        return cls(plans, village_drills, town_drills, people)

    def find_nearest(self, places):
        """The open red or orange hazard nearest upstream of each place on a river, or beside it (ALONGSIDE_M):
        one query for them all, an index lookup a place."""
        wanted = sorted({(place.river.pk, place.chainage_m) for place in places} - set(self.nearest))
        if not wanted:
            return
        table = Hazard._meta.db_table
        rows = ", ".join(["(%s, %s)"] * len(wanted))
        severe = ", ".join(["%s"] * len(SEVERE_RISKS))
        open_ = ", ".join(["%s"] * len(Hazard.OPEN_STATUSES))
        nearest = RawSQL(
            f"WITH place(river, chainage) AS (VALUES {rows}) "
            f"SELECT (SELECT h.id FROM {table} h WHERE h.river_id = place.river AND h.chainage_m <= place.chainage "
            f"AND h.risk_level IN ({severe}) AND h.status IN ({open_}) ORDER BY h.chainage_m DESC, h.code LIMIT 1) "
            "FROM place",
            [value for river, chainage in wanted for value in (river, chainage + ALONGSIDE_M)]
            + list(SEVERE_RISKS) + sorted(Hazard.OPEN_STATUSES),
        )
        found = list(Hazard.objects.select_related("river").filter(pk__in=nearest))
        for river, chainage in wanted:
            candidates = [h for h in found if h.river_id == river and h.chainage_m <= chainage + ALONGSIDE_M]
            self.nearest[(river, chainage)] = min(candidates, key=lambda h: (-h.chainage_m, h.code), default=None)

    def nearest_upstream(self, place):
        self.find_nearest([place])
        return self.nearest[(place.river.pk, place.chainage_m)]

    def readiness(self, village, places, today):
        drills = self.village_drills[village.pk] + self.town_drills[village.town_id]
        row = Readiness(
            village=village, places=places, plan=self.plans.get(village.pk),
            drills=sorted(drills, key=lambda d: (d.date, d.pk), reverse=True), today=today,
            people=self.people[village.pk],
        )
        for place in places:
            hazard = self.nearest_upstream(place)
            if hazard is not None and (row.threat_m is None or place.chainage_m - hazard.chainage_m < row.threat_m):
                row.threat, row.threat_m = hazard, place.chainage_m - hazard.chainage_m
        return row
