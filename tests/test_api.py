"""GET /api/hazards/, /api/hazards/<code>/ and /api/rivers/."""

import json

import pytest
from django.urls import reverse

from .conftest import make_hazard

API = "/api/hazards/"


@pytest.fixture
def hazards(rivers):
    cb, xth = rivers["chaobai"], rivers["xiaotaihou"]
    return {
        "culvert": make_hazard(xth, 1800, kind="culvert", in_main_channel=True, blockage_pct=60, status="in_progress"),
        "pylon": make_hazard(xth, 3500, kind="pylon", in_main_channel=True, blockage_pct=20),
        "trees": make_hazard(cb, 12000, kind="vegetation", blockage_pct=5, status="cleared"),
        "sand": make_hazard(cb, 20000, kind="sediment", blockage_pct=10),
    }


def codes(response):
    assert response.status_code == 200, response.content
    return sorted(f["properties"]["code"] for f in json.loads(response.content)["features"])


def test_the_collection_holds_every_hazard_with_its_properties(client_as, hazards):
    response = client_as("leader").get(API)
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    culvert = next(f for f in data["features"] if f["properties"]["code"] == hazards["culvert"].code)
    assert culvert["geometry"]["type"] == "Point"
    props = culvert["properties"]
    for key in ("code", "title", "river", "chainage_m", "kind", "in_main_channel", "blockage_pct",
                "risk_level", "status", "town", "village", "updated_at"):
        assert key in props
    assert (props["river"], props["risk_level"], props["status"], props["kind"]) == ("xiaotaihou", "major", "in_progress", "culvert")
    assert props["chainage_m"] == pytest.approx(1800, abs=1) and props["chainage"] == "K1+800"
    assert props["village"] == "Kouzi"  # English, as asked; 口子村 in Chinese


@pytest.mark.parametrize("query, expected", [
    ("river=xiaotaihou", ["culvert", "pylon"]),
    ("river=chaobai&river=xiaotaihou", ["culvert", "pylon", "sand", "trees"]),
    ("status=cleared", ["trees"]),
    ("risk_level=major&risk_level=high", ["culvert", "pylon"]),
    ("kind=sediment", ["sand"]),
    ("river=chaobai&kind=vegetation&status=cleared", ["trees"]),
])
def test_filters(client_as, hazards, query, expected):
    assert codes(client_as("leader").get(f"{API}?{query}")) == sorted(hazards[k].code for k in expected)


def test_the_bbox_filter_keeps_what_lies_inside(client_as, hazards):
    # A box around the Xiaotaihou only.
    assert codes(client_as("leader").get(API + "?bbox=116.60,39.83,116.72,39.87")) == sorted(
        [hazards["culvert"].code, hazards["pylon"].code]
    )


@pytest.mark.parametrize("query, message", [
    ("river=yangtze", "yangtze"),
    ("status=gone", "gone"),
    ("risk_level=purple", "purple"),
    ("kind=whale", "whale"),
    ("bbox=1,2,3", "bbox must be four numbers"),
    ("bbox=117,40,116,39", "south-west corner"),
])
def test_bad_filter_values_get_a_400_with_a_message(client_as, hazards, query, message):
    response = client_as("leader").get(f"{API}?{query}")
    assert response.status_code == 400
    assert message in json.dumps(response.json()["errors"])


def test_one_hazard_is_one_feature(client_as, hazards):
    code = hazards["pylon"].code
    data = client_as("engineer").get(f"{API}{code}/").json()
    assert data["type"] == "Feature" and data["properties"]["code"] == code
    assert client_as("engineer").get(f"{API}NOPE-001/").status_code == 404


def test_rivers_are_lines_with_names(client_as, rivers):
    data = client_as("leader").get(reverse("hazards:api-rivers")).json()
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    assert by_code["chaobai"]["geometry"]["type"] == "LineString"
    assert by_code["xiaotaihou"]["properties"]["name_zh"] == "萧太后河"
    assert by_code["xiaotaihou"]["properties"]["approximate"] is True


def test_anonymous_callers_get_401(client, hazards):
    assert client.get(API).status_code == 401


def test_the_collection_costs_the_same_queries_for_many_hazards(client_as, hazards, rivers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("leader")
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(API).json()["features"]) == 4
    for n in range(20):
        make_hazard(rivers["chaobai"], 1000 + n * 500)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(API).json()["features"]) == 24
    assert len(many) == len(few)
