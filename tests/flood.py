"""A flood on the Chaobai, as the response tests share it.

Two orange hazards at Baimiao and Shiguzhuang and a red bridge pier downstream
with no one named for it; Baimiao's plan moves 150 people at an orange warning,
Shiguzhuang's 300 only at red. Zhou (administrative), Zheng (technical) and Ma
(patrol) are named for the stretch holding both orange hazards and for Baimiao,
whose evacuation Lead leads (a Floodwatch user with no other role). Wu leads
Zhou's and Ma's unit, Feng leads Zheng's. The leader and the inspector are on
the shift under way.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.utils import timezone

from hazards import services
from hazards.models import (
    Declaration,
    DutyShift,
    EvacuationPlan,
    Responsibility,
    ResponsiblePerson,
    Shelter,
    Village,
)
from hazards.season import season_year

from .conftest import make_hazard

SONGZHUANG = "Songzhuang town"
WATER_BUREAU = "District water bureau"


def person(name, unit, mobile, *, leads=False, user=None):
    return ResponsiblePerson.objects.create(name=name, unit=unit, mobile=mobile, leads_unit=leads, user=user,
                                            email=f"{name.lower()}@example.cn")


@pytest.fixture
def flood(rivers, cast, checklists):
    chaobai, xiaotaihou = rivers["chaobai"], rivers["xiaotaihou"]
    villages = {v.name_en: v for v in Village.objects.select_related("town")}
    baimiao, shiguzhuang = villages["Baimiao"], villages["Shiguzhuang"]

    def at(village):
        return chaobai.locate(village.geom).chainage_m

    hazards = {
        "baimiao": make_hazard(chaobai, at(baimiao), title="Trees in the channel at Baimiao", kind="vegetation",
                               in_main_channel=True, blockage_pct=18),
        "shiguzhuang": make_hazard(chaobai, at(shiguzhuang), title="Spoil at Shiguzhuang", kind="debris",
                                   blockage_pct=16),
        "pier": make_hazard(chaobai, 24000, title="Bridge pier", kind="bridge_pier", in_main_channel=True,
                            blockage_pct=35),
        "sand": make_hazard(chaobai, 16500, title="Sediment", kind="sediment", blockage_pct=10),
        "culvert": make_hazard(xiaotaihou, 1800, title="Culvert", kind="culvert", in_main_channel=True, blockage_pct=65),
    }
    assert [hazards[k].risk_level for k in ("baimiao", "shiguzhuang", "pier", "sand")] == ["high", "high", "major",
                                                                                          "moderate"]
    plan = EvacuationPlan.objects.create(village=baimiao, people_at_risk=150, households_at_risk=50, vulnerable_people=12,
                                         trigger_level="orange", reviewed_on=timezone.localdate())
    point = baimiao.geom if baimiao.geom.geom_type == "Point" else baimiao.geom.point_on_surface
    hall = Shelter.objects.create(plan=plan, name="Village hall", capacity=100,
                                  location=Point(point.x + 0.004, point.y, srid=4326))
    gym = Shelter.objects.create(plan=plan, name="School gym", capacity=80,
                                 location=Point(point.x + 0.006, point.y + 0.002, srid=4326))
    EvacuationPlan.objects.create(village=shiguzhuang, people_at_risk=300, households_at_risk=90,
                                  trigger_level="red", reviewed_on=timezone.localdate())
    lead_user = User.objects.create_user("villagelead", password="pw-villagelead", first_name="Lead")
    people = {
        "zhou": person("Zhou", SONGZHUANG, "13800001001"),
        "wu": person("Wu", SONGZHUANG, "13800001002", leads=True),
        "zheng": person("Zheng", WATER_BUREAU, "13800001003"),
        "feng": person("Feng", WATER_BUREAU, "13800001004", leads=True),
        "ma": person("Ma", SONGZHUANG, "13800001005"),
        "lead": person("Lead", "Baimiao village", "13800000101", user=lead_user),
    }
    season = season_year()
    stretch = {"river": chaobai, "start_m": at(shiguzhuang) - 500, "end_m": at(baimiao) + 500}
    for key, role in (("zhou", "administrative"), ("zheng", "technical"), ("ma", "patrol")):
        Responsibility.objects.create(person=people[key], role=role, season=season, **stretch)
        Responsibility.objects.create(person=people[key], role=role, season=season, village=baimiao)
    Responsibility.objects.create(person=people["lead"], role="evacuation", season=season, village=baimiao)
    now = timezone.now()
    shift = DutyShift.objects.create(starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=23),
                                     leader=cast["leader"])
    shift.staff.set([cast["inspector"]])
    return SimpleNamespace(chaobai=chaobai, xiaotaihou=xiaotaihou, baimiao=baimiao, shiguzhuang=shiguzhuang,
                           hazards=hazards, plan=plan, hall=hall, gym=gym, people=people, lead_user=lead_user,
                           cast=cast, shift=shift)


def declare(flood, *, warning="orange", now=None, user=None, scope="river", river=None):
    """An orange warning for the Chaobai (by default), declared by the inspector on duty."""
    declaration = Declaration(warning=warning, response_level={"blue": 4, "yellow": 3, "orange": 2, "red": 1}[warning],
                              scope=scope, river=river or (flood.chaobai if scope == "river" else None))
    return services.declaration_declare(declaration=declaration, user=user or flood.cast["inspector"], now=now)
