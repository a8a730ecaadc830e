"""The filters a risk list is asked for (town, min_risk, open, overdue), the same on the API, the list and the map."""

import json

import pytest
from django.urls import reverse

from hazards.models import Town, Village

from .conftest import make_hazard
from .reports import add_works

API = reverse("hazards:api-hazards")


@pytest.fixture
def hazards(rivers, cast):
    cb, xth = rivers["chaobai"], rivers["xiaotaihou"]
    h = {
        "culvert": make_hazard(xth, 1800, kind="culvert", in_main_channel=True, blockage_pct=60, status="in_progress"),
        "pylon": make_hazard(xth, 3500, kind="pylon", in_main_channel=True, blockage_pct=20),
        "litter": make_hazard(xth, 500, kind="debris", blockage_pct=5),
        "trees": make_hazard(cb, 12000, kind="vegetation", blockage_pct=5, status="cleared"),
        "sand": make_hazard(cb, 20000, kind="sediment", blockage_pct=10, status="monitoring"),
    }
    add_works(h["culvert"], cast["engineer"], days_left=-3)  # overdue
    add_works(h["pylon"], cast["engineer"], days_left=-3, status="completed", progress=100)  # late but done
    add_works(h["sand"], cast["engineer"], days_left=20)
    return h


def codes(client, query):
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200, response.content
    return sorted(f["properties"]["code"] for f in json.loads(response.content)["features"])


def expected(hazards, *names):
    return sorted(hazards[name].code for name in names)


def test_min_risk_keeps_that_level_and_the_higher_ones(client_as, hazards):
    client = client_as("leader")
    assert codes(client, "min_risk=major") == expected(hazards, "culvert")
    assert codes(client, "min_risk=high") == expected(hazards, "culvert", "pylon")
    assert codes(client, "min_risk=moderate") == expected(hazards, "culvert", "pylon", "sand")
    assert codes(client, "min_risk=low") == expected(hazards, *hazards)


def test_open_keeps_what_is_not_yet_cleared_or_closed(client_as, hazards):
    client = client_as("leader")
    assert codes(client, "open=true") == expected(hazards, "culvert", "pylon", "litter", "sand")
    assert codes(client, "open=false") == expected(hazards, "trees")


def test_overdue_keeps_hazards_whose_works_are_late_and_not_done(client_as, hazards):
    client = client_as("leader")
    assert codes(client, "overdue=true") == expected(hazards, "culvert")
    assert codes(client, "overdue=false") == expected(hazards, "pylon", "litter", "trees", "sand")


def test_town_keeps_the_hazards_of_that_town(client_as, hazards):
    towns = {h.town.code for h in hazards.values() if h.town}
    assert towns, "the hazards lie near villages of the demo data"
    town = Town.objects.get(code=min(towns))
    in_town = sorted(h.code for h in hazards.values() if h.town_id == town.pk)
    assert codes(client_as("leader"), f"town={town.code}") == in_town


def test_filters_combine(client_as, hazards):
    assert codes(client_as("leader"), "river=xiaotaihou&min_risk=high&open=true&overdue=true") == expected(
        hazards, "culvert"
    )


@pytest.mark.parametrize("query", ["min_risk=extreme", "town=999", "open=maybe"])
def test_a_bad_value_is_named_in_a_400(client_as, hazards, query):
    response = client_as("leader").get(f"{API}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in json.loads(response.content)["errors"]


def test_the_list_page_offers_the_new_filters_and_a_download_carrying_them(client_as, hazards):
    page = client_as("leader").get(reverse("hazards:list") + "?river=xiaotaihou&min_risk=high&open=true").content.decode()
    for name in ('name="town"', 'name="min_risk"', 'name="open"', 'name="overdue"'):
        assert name in page
    assert 'value="high"\n        checked' in page or 'value="high" checked' in page
    assert reverse("hazards:risk-list-pdf") + "?river=xiaotaihou&amp;min_risk=high&amp;open=true" in page
    assert Village.objects.exists()
