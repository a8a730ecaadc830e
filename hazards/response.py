"""The flood response read across objects: who is responsible where, what a declaration reaches, who is on duty,
the nearest materials and teams, evacuation totals. (The writes are in services.py.)

The rules, each written once:
- The responsible persons of a hazard for a flood season are those named for it and those named for a stretch
  of its river holding its chainage; of a village, those named for it.
- An open red or orange hazard must have an administrative, a technical and a patrol person named for the
  season in view; a village at risk (readiness.Readiness.at_risk) those three and an evacuation lead.
- A declaration reaches the open red and orange hazards in its place (the district, a town, or a river) and
  the villages there whose evacuation plan it triggers, or that are at risk from those hazards. Every
  responsible person of those points and villages is called once.
- On duty: whoever is on a shift under way (its leader and staff). Phones are shown to leaders, admins and
  the people on duty (roles.may_see_phones).
- The nearest depot is the nearest in a straight line; a hazard's team is the one assigned to it, else one
  assigned to a stretch of river holding it.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy
from django.conf import settings
from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from . import geo, readiness, season
from .models import (
    Declaration,
    Depot,
    DutyShift,
    Evacuation,
    Hazard,
    RescueTeam,
    Responsibility,
    ShelterOccupancy,
    Village,
)

SEVERE_RISKS = readiness.SEVERE_RISKS
Role = Responsibility.Role
current_season = season.season_year


def needs_people(hazard):
    """An open red or orange hazard must have its three persons named."""
    return hazard.is_open and hazard.risk_level in SEVERE_RISKS


# Responsible persons -----------------------------------------------------------------------------

class People:
    """The responsibilities of one season, read once, for many hazards and villages."""

    def __init__(self, responsibilities):
        self.direct, self.stretches, self.villages = defaultdict(list), defaultdict(list), defaultdict(list)
        for item in responsibilities:
            if item.hazard_id:
                self.direct[item.hazard_id].append(item)
            elif item.river_id:
                self.stretches[item.river_id].append(item)
            elif item.village_id:
                self.villages[item.village_id].append(item)

    @classmethod
    def load(cls, season_year=None):
        items = Responsibility.objects.filter(season=season_year or current_season()).select_related(
            "person__user", "river").order_by("role", "person__name", "id")
        return cls(items)

    def for_hazard(self, hazard):
        """Named for the hazard, then for a stretch holding it; by role."""
        found = self.direct[hazard.pk] + [item for item in self.stretches[hazard.river_id] if item.covers(hazard)]
        return sorted(found, key=lambda item: ROLE_ORDER[item.role])

    def for_village(self, village):
        return sorted(self.villages[village.pk], key=lambda item: ROLE_ORDER[item.role])


ROLE_ORDER = {role: n for n, role in enumerate(Role.values)}


def hazard_people(hazard, people=None):
    """(responsibilities, missing role labels) of a hazard; missing only where it needs its people."""
    people = people or People.load()
    found = people.for_hazard(hazard)
    return found, (Responsibility.missing(found, Responsibility.REQUIRED_FOR_HAZARD) if needs_people(hazard) else [])


def hazards_missing_people(river=None):
    """The open red and orange hazards without their three named for the season: [(hazard, missing labels)]."""
    hazards = Hazard.objects.filter(risk_level__in=SEVERE_RISKS, status__in=Hazard.OPEN_STATUSES).select_related("river")
    if river is not None:
        hazards = hazards.filter(river=river)
    people = People.load()
    rows = [(hazard, hazard_people(hazard, people)[1]) for hazard in hazards]
    return [(hazard, missing) for hazard, missing in rows if missing]


# Duty ----------------------------------------------------------------------------------------------

def shifts_now(now=None):
    return list(DutyShift.objects.at(now or timezone.now()).select_related("leader").prefetch_related("staff"))


def duty_users(now=None):
    """The people on duty now: leaders first, each once."""
    seen, users = set(), []
    for shift in shifts_now(now):
        for user in shift.people():
            if user.pk not in seen:
                seen.add(user.pk)
                users.append(user)
    return users


def is_on_duty(user, now=None):
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_floodwatch_on_duty"):
        user._floodwatch_on_duty = any(u.pk == user.pk for u in duty_users(now))
    return user._floodwatch_on_duty




# What a declaration reaches -------------------------------------------------------------------------

@dataclass
class Reach:
    hazards: list  # open red and orange hazards in the place
    triggered: list  # [(village, plan)] whose plan the warning triggers
    at_risk: list  # villages at risk from those hazards (readiness)
    people: People = None

    @property
    def villages(self):
        """Every village reached, each once."""
        seen = {}
        for village in [village for village, _plan in self.triggered] + self.at_risk:
            seen.setdefault(village.pk, village)
        return list(seen.values())

    def calls(self):
        """{person: [what they are responsible for, as text]} for everyone to call."""
        reasons = defaultdict(list)
        persons = {}
        for hazard in self.hazards:
            for item in self.people.for_hazard(hazard):
                persons[item.person_id] = item.person
                reasons[item.person_id].append(f"{hazard.code} {hazard.title} ({item.get_role_display()})")
        for village in self.villages:
            for item in self.people.for_village(village):
                persons[item.person_id] = item.person
                reasons[item.person_id].append(f"{village.town} {village} ({item.get_role_display()})")
        return {persons[pk]: list(dict.fromkeys(texts)) for pk, texts in reasons.items()}


def places_in(declaration, villages):
    """The villages that lie in the declaration's place."""
    if declaration.scope == Declaration.Scope.TOWN:
        return [village for village in villages if village.town_id == declaration.town_id]
    if declaration.scope == Declaration.Scope.RIVER:
        river = declaration.river
        return [village for village in villages if village.geom is not None
                and river.locate(readiness.village_point(village)).offset_m <= settings.READINESS_RIVER_DISTANCE_M]
    return villages


def reach(declaration):
    """The points and villages a declaration reaches (module docstring)."""
    hazards = Hazard.objects.filter(risk_level__in=SEVERE_RISKS, status__in=Hazard.OPEN_STATUSES).select_related(
        "river", "town", "village")
    if declaration.scope == Declaration.Scope.TOWN:
        hazards = hazards.filter(town=declaration.town_id)
    elif declaration.scope == Declaration.Scope.RIVER:
        hazards = hazards.filter(river=declaration.river_id)
    hazards = list(hazards)
    villages = places_in(declaration, list(Village.objects.select_related("town", "evacuation_plan")))
    triggered = [(village, village.evacuation_plan) for village in villages
                 if hasattr(village, "evacuation_plan") and declaration.triggers(village.evacuation_plan)]
    at_risk = {}
    for rows in readiness.villages_at_risk_from(hazards).values():
        for row, _metres in rows:
            at_risk.setdefault(row.village.pk, row.village)
    return Reach(hazards=hazards, triggered=triggered, at_risk=list(at_risk.values()), people=People.load())


# Materials and rescue teams --------------------------------------------------------------------------

@dataclass
class Resources:
    """Depots and teams, read once, for many hazards."""

    depots: list
    depot_xy: numpy.ndarray
    teams: list
    by_hazard: dict = field(default_factory=dict)  # hazard pk: team
    by_river: dict = field(default_factory=dict)  # river pk: [(start, end, team)]

    @classmethod
    def load(cls):
        depots = list(Depot.objects.select_related("town"))
        teams = list(RescueTeam.objects.prefetch_related("hazards", "stretches"))
        xy = geo.metric_xy([(d.location.x, d.location.y) for d in depots]) if depots else numpy.empty((0, 2))
        resources = cls(depots=depots, depot_xy=xy, teams=teams)
        for team in teams:
            for hazard in team.hazards.all():
                resources.by_hazard.setdefault(hazard.pk, team)
            for stretch in team.stretches.all():
                resources.by_river.setdefault(stretch.river_id, []).append((stretch.start_m, stretch.end_m, team))
        return resources

    def nearest_depot(self, hazard):
        """(depot, metres) nearest the hazard, or (None, None) with no depot."""
        if not self.depots:
            return None, None
        here = geo.metric_xy([(hazard.location.x, hazard.location.y)])[0]
        distances = numpy.hypot(*(self.depot_xy - here).T)
        best = int(distances.argmin())
        return self.depots[best], float(distances[best])

    def team_for(self, hazard):
        if hazard.pk in self.by_hazard:
            return self.by_hazard[hazard.pk]
        for start, end, team in self.by_river.get(hazard.river_id, []):
            if start <= hazard.chainage_m <= end:
                return team
        return None


# Evacuations ---------------------------------------------------------------------------------------

@dataclass
class Totals:
    villages: int
    to_move: int
    moved: int
    vulnerable_to_move: int
    vulnerable_moved: int
    returned: int
    vehicles: int
    in_shelters: int
    shelter_capacity: int

    @property
    def percent(self):
        return round(100 * self.moved / self.to_move) if self.to_move else 0


def evacuation_totals(evacuations=None):
    """The sums over evacuations (by default every one under way in the district)."""
    if evacuations is None:
        evacuations = Evacuation.objects.filter(ended_at=None)
    sums = evacuations.aggregate(
        to_move=Sum("to_move"), moved=Sum("moved"), vulnerable_to_move=Sum("vulnerable_to_move"),
        vulnerable_moved=Sum("vulnerable_moved"), returned=Sum("returned"), vehicles=Sum("vehicles"))
    occupancy = ShelterOccupancy.objects.filter(evacuation__in=evacuations)
    return Totals(
        villages=evacuations.count(), **{key: value or 0 for key, value in sums.items()},
        in_shelters=occupancy.aggregate(n=Sum("people"))["n"] or 0,
        shelter_capacity=sum(plan_capacity(e) for e in evacuations.prefetch_related("plan__shelters")),
    )


def plan_capacity(evacuation):
    return evacuation.plan.shelter_capacity if evacuation.plan else 0


def evacuations_under_way():
    occupancy = ShelterOccupancy.objects.select_related("shelter")
    return list(Evacuation.objects.filter(ended_at=None).select_related("village__town", "declaration__river",
                                                                        "declaration__town", "plan")
                .prefetch_related(Prefetch("occupancy", queryset=occupancy), "plan__shelters"))


def may_enter_evacuation(user, evacuation, now=None):
    """The village's evacuation lead (a Floodwatch user named for it this season), the people on duty, admins."""
    from . import roles

    if not user.is_authenticated:
        return False
    if roles.has_role(user, roles.ADMIN) or is_on_duty(user, now):
        return True
    return Responsibility.objects.filter(
        person__user=user, role=Role.EVACUATION, village=evacuation.village_id, season=current_season()).exists()


def gauge_stretches(gauges):
    """Each gauge over a threshold by its latest reading (rain: by the hour's): [(gauge, reading, threshold, warning)]."""
    marked = []
    for gauge in gauges:
        latest = gauge.latest[0] if getattr(gauge, "latest", None) else None
        if latest is None:
            continue
        found = gauge.suggestion(latest.value)
        if found:
            marked.append((gauge, latest, *found))
    return marked




def call_label(call):
    """A call's state as the board says it."""
    if call.confirmed_at:
        return _("confirmed %(time)s") % {"time": timezone.localtime(call.confirmed_at).strftime("%H:%M")}
    if call.escalated_at:
        return _("escalated %(time)s to %(to)s") % {"time": timezone.localtime(call.escalated_at).strftime("%H:%M"),
                                                    "to": call.escalated_to or "—"}
    return _("waiting, until %(time)s") % {"time": timezone.localtime(call.deadline).strftime("%H:%M")}


def totals_text(totals):
    """"7,766 of 9,835 moved"."""
    return _("%(moved)s of %(to_move)s moved") % {"moved": f"{totals.moved:,}", "to_move": f"{totals.to_move:,}"}
