"""The readiness rules: plan reviewed this year, drilled before the season, at risk downstream of a hazard."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hazards.models import Drill, EvacuationPlan, Responsibility, ResponsiblePerson, Town, Village
from hazards.readiness import village_readiness, villages_at_risk
from hazards.season import season_in_view, season_year

from .conftest import make_hazard

TODAY = datetime.date(2026, 11, 25)  # after the 2026 season: readiness is judged for 2027's


@pytest.fixture
def villages(rivers):
    return {v.name_en: v for v in Village.objects.select_related("town")}


def chainage(village, river):
    return river.locate(village.geom).chainage_m


def plan(village, reviewed_on):
    return EvacuationPlan.objects.create(
        village=village, people_at_risk=100, households_at_risk=40, trigger_level="orange", reviewed_on=reviewed_on)


def drill(on, town=None, villages=()):
    town = town or villages[0].town
    d = Drill.objects.create(date=on, town=town, kind="evacuation", scenario="x", organiser="y", participants=10,
                             duration_minutes=60)
    d.villages.set(villages)
    return d


def rows(today=TODAY, **kwargs):
    return {r.village.name_en: r for r in village_readiness(today=today, **kwargs)}


@pytest.mark.parametrize("today, window", [
    (datetime.date(2026, 3, 1), (datetime.date(2025, 9, 15), datetime.date(2026, 6, 1))),  # before the season
    (datetime.date(2026, 7, 25), (datetime.date(2025, 9, 15), datetime.date(2026, 6, 1))),  # in it
    (datetime.date(2026, 9, 15), (datetime.date(2025, 9, 15), datetime.date(2026, 6, 1))),  # its last day
    (datetime.date(2026, 11, 25), (datetime.date(2026, 9, 15), datetime.date(2027, 6, 1))),  # after it: next year's
])
def test_the_season_in_view_is_this_years_until_it_ends(today, window):
    assert season_in_view(today) == window


def test_a_village_with_a_current_plan_and_a_drill_before_the_season_is_ready(villages):
    baimiao = villages["Baimiao"]
    plan(baimiao, datetime.date(2026, 10, 1))
    drill(datetime.date(2026, 10, 20), villages=[baimiao])
    row = rows()["Baimiao"]
    assert row.ready and row.plan_current and row.drilled_before_season and row.gaps == []
    assert row.last_drill.date == datetime.date(2026, 10, 20)


def test_a_plan_from_last_year_needs_review(villages):
    plan(villages["Baimiao"], datetime.date(2025, 12, 20))
    drill(datetime.date(2026, 10, 20), villages=[villages["Baimiao"]])
    row = rows()["Baimiao"]
    assert not row.ready and row.gaps == ["plan not reviewed this year"]


def test_a_drill_during_or_before_the_last_season_does_not_count_for_the_next(villages):
    baimiao = villages["Baimiao"]
    plan(baimiao, datetime.date(2026, 10, 1))
    drill(datetime.date(2026, 7, 30), villages=[baimiao])  # in the 2026 season
    drill(datetime.date(2026, 5, 20), villages=[baimiao])  # before the 2026 season, not the 2027 one
    row = rows()["Baimiao"]
    assert not row.drilled_before_season and row.last_drill.date == datetime.date(2026, 7, 30)
    assert rows(today=datetime.date(2026, 8, 1))["Baimiao"].drilled_before_season  # it did count for 2026


def test_a_drill_of_the_whole_town_counts_for_each_of_its_villages_and_no_other(villages):
    songzhuang = villages["Baimiao"].town
    drill(datetime.date(2026, 10, 20), town=songzhuang)
    drill(datetime.date(2026, 10, 21), villages=[villages["Kouzi"]])
    table = rows()
    assert table["Baimiao"].drilled_before_season and table["Shiguzhuang"].drilled_before_season
    assert table["Kouzi"].drilled_before_season and not table["Qianying"].drilled_before_season  # same town, not named


def test_a_village_downstream_of_an_open_red_hazard_without_a_plan_is_flagged_first(rivers, villages):
    xth = rivers["xiaotaihou"]
    liuying = villages["Liuying"]
    make_hazard(xth, chainage(liuying, xth) - 1500, kind="culvert", in_main_channel=True, blockage_pct=60)
    for name in ("Baimiao", "Shiguzhuang"):  # ready villages, listed last
        plan(villages[name], datetime.date(2026, 10, 1))
    drill(datetime.date(2026, 10, 20), town=villages["Baimiao"].town)
    table = village_readiness(today=TODAY)
    flagged = [r.village.name_en for r in table if r.flagged]
    assert "Liuying" in flagged and [r.village.name_en for r in table[:len(flagged)]] == flagged
    assert [r.village.name_en for r in table[-2:]] == ["Shiguzhuang", "Baimiao"]  # by chainage on the Chaobai
    row = next(r for r in table if r.village == liuying)
    assert row.threat_m == pytest.approx(1500, abs=1)
    assert row.gaps == ["no evacuation plan", "no drill before the flood season"]


@pytest.mark.parametrize("fields", [
    {"kind": "culvert", "in_main_channel": True, "blockage_pct": 60, "status": "cleared"},  # red, but cleared
    {"kind": "sediment", "blockage_pct": 5},  # yellow
])
def test_only_open_red_or_orange_hazards_put_villages_at_risk(rivers, villages, fields):
    xth = rivers["xiaotaihou"]
    make_hazard(xth, chainage(villages["Liuying"], xth) - 1500, **fields)
    assert not any(r.flagged or r.threat for r in village_readiness(today=TODAY))


def test_a_hazard_upstream_beyond_the_distance_is_named_but_puts_no_one_at_risk(rivers, villages, settings):
    settings.AT_RISK_DOWNSTREAM_M = 1000
    xth = rivers["xiaotaihou"]
    culvert = make_hazard(xth, chainage(villages["Liuying"], xth) - 1500, kind="culvert", in_main_channel=True)
    row = rows()["Liuying"]
    assert row.threat == culvert and not row.at_risk and not row.flagged and not row.ready


def test_a_hazard_downstream_of_a_village_is_not_its_threat(rivers, villages):
    xth = rivers["xiaotaihou"]
    make_hazard(xth, chainage(villages["Kouzi"], xth) + 1000, kind="pylon", in_main_channel=True)
    assert rows()["Kouzi"].threat is None


def test_villages_beyond_the_distance_from_any_river_are_left_out(rivers, villages, settings):
    Village.objects.create(name_zh="远村", name_en="Faraway", town=Town.objects.first(), code="110112999999",
                           geom=Point(116.60, 39.80, srid=4326))  # 5 km from the Xiaotaihou
    assert "Faraway" not in rows() and "Baimiao" in rows()
    settings.READINESS_RIVER_DISTANCE_M = 1000
    assert "Baimiao" not in rows()  # 1.4 km from the Chaobai's line


def test_villages_at_risk_are_those_beside_or_downstream_within_the_distance(rivers, villages, settings):
    settings.AT_RISK_DOWNSTREAM_M = 3000
    xth = rivers["xiaotaihou"]
    pylon = make_hazard(xth, chainage(villages["Qianying"], xth), kind="pylon", in_main_channel=True)
    plan(villages["Liuying"], datetime.date(2026, 10, 1))
    at_risk = villages_at_risk(pylon, today=TODAY)
    assert [(r.village.name_en, round(d / 100)) for r, d in at_risk] == [("Qianying", 0), ("Liuying", 23)]
    liuying = at_risk[1][0]
    assert liuying.plan_current and not liuying.drilled_before_season
    # Kouzi is upstream, Zaolinzhuang 3.3 km down, the Chaobai villages on another river.


def test_the_hazard_page_lists_the_villages_at_risk_with_their_plan_and_drill(rivers, villages, client_as):
    xth = rivers["xiaotaihou"]
    culvert = make_hazard(xth, chainage(villages["Kouzi"], xth), kind="culvert", in_main_channel=True)
    qianying = plan(villages["Qianying"], timezone.localdate())
    page = client_as("leader").get(culvert.get_absolute_url()).content.decode()
    section = page.split('id="villages-at-risk"')[1]
    assert "Kouzi" in section and "Qianying" in section and "Baimiao" not in section
    assert qianying.get_absolute_url() in section and "no plan" in section and "never drilled" in section
    assert "Write its plan" not in section  # leaders do not write plans


def test_the_readiness_table_shows_a_leader_which_villages_are_not_ready(rivers, villages, client_as):
    xth = rivers["xiaotaihou"]
    make_hazard(xth, chainage(villages["Kouzi"], xth), kind="culvert", in_main_channel=True, blockage_pct=60)
    page = client_as("leader").get(reverse("hazards:readiness")).content.decode()
    body = page.split("<tbody>")[1]
    assert body.index("Kouzi") < body.index("Baimiao")
    assert 'id="flagged-count">4<' in page  # Kouzi and the three within 5 km downstream, none with a plan
    assert "position approximate" in page and "drawn by hand" in page
    only_chaobai = client_as("leader").get(reverse("hazards:readiness") + "?river=chaobai").content.decode()
    assert "Kouzi" not in only_chaobai.split("<tbody>")[1] and "Baimiao" in only_chaobai


def test_the_readiness_table_costs_the_same_few_queries_however_many_plans_and_drills(rivers, villages, client_as):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            village_readiness(today=TODAY)
        return len(captured)

    plan(villages["Kouzi"], datetime.date(2026, 10, 1))
    drill(datetime.date(2026, 10, 20), villages=[villages["Kouzi"]])
    few = queries()
    for village in villages.values():
        if village.name_en != "Kouzi":
            plan(village, datetime.date(2026, 10, 1))
            drill(datetime.date(2026, 10, 20), villages=[village])
            person = ResponsiblePerson.objects.create(name="Lead", unit="Village", mobile="13800000000")
            Responsibility.objects.create(person=person, role="evacuation", season=season_year(TODAY), village=village)
    make_hazard(rivers["chaobai"], 3000, kind="pylon", in_main_channel=True)
    assert queries() == few <= 7  # plans, drills and their villages, hazards, rivers, villages, responsible persons
