"""Property-based tests (hypothesis): whatever the filters and forms are given, they answer, never crash.

Hypothesis generates thousands of inputs a person would not think of, and
shrinks any failure to the smallest one that shows it.
"""

import json

import pytest
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hazards.filters import BboxField, HazardFilter
from hazards.forms import HazardForm

from .conftest import make_hazard

# The database is read, never written, by these tests: one set of hazards serves every example.
EXAMPLES = hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

FILTER_NAMES = list(HazardFilter.base_filters) + ["code", "sort", "page", "bbox[]", "__proto__"]
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
numberish = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str), text)


@pytest.fixture
def hazards(rivers):
    return [make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True, blockage_pct=60),
            make_hazard(rivers["chaobai"], 12000, kind="vegetation")]


@EXAMPLES
@given(query=st.dictionaries(st.sampled_from(FILTER_NAMES), st.lists(numberish, min_size=1, max_size=3), max_size=5))
def test_the_api_answers_any_filters_with_geojson_or_a_named_400(hazards, client_as, query):
    response = client_as("leader").get("/api/hazards/", query)
    assert response.status_code in (200, 400)
    body = json.loads(response.content)
    if response.status_code == 200:
        assert body["type"] == "FeatureCollection"
    else:
        assert set(body["errors"]) <= set(query)


@EXAMPLES
@given(values=st.tuples(*[st.floats(allow_nan=True, allow_infinity=True)] * 4) | st.lists(numberish, max_size=6).map(tuple))
def test_a_bbox_is_a_polygon_within_the_world_or_a_validation_error(values):
    try:
        polygon = BboxField().clean(",".join(v if isinstance(v, str) else repr(v) for v in values))
    except ValidationError:
        return
    if polygon is None:
        return
    assert isinstance(polygon, Polygon) and polygon.valid
    minlon, minlat, maxlon, maxlat = polygon.extent
    assert -180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90


@EXAMPLES
@given(data=st.fixed_dictionaries({
    "title": text, "kind": st.sampled_from(["culvert", "debris", "", "x"]) | text, "blockage_pct": numberish,
    "latitude": numberish | st.floats(39.7, 40.0).map(str), "longitude": numberish | st.floats(116.5, 116.9).map(str),
    "status": st.sampled_from(["reported", "confirmed", "cleared", ""]), "risk_override": st.sampled_from(["", "major"]),
    "risk_override_reason": text, "description": text,
}))
def test_the_hazard_form_accepts_only_a_point_in_the_district_near_a_river(hazards, data):
    form = HazardForm(data=data)
    if not form.is_valid():
        return
    hazard = form.instance
    assert hazard.river_id is not None and hazard.status in ("reported", "confirmed")
    assert 0 <= hazard.blockage_pct <= 100
    assert hazard.river.locate(hazard.location).offset_m <= 500
