"""OGC API - Features under /ogc/, read by real clients against a live server: GDAL's OAPIF driver (ogrinfo,
ogr2ogr, from Debian's gdal-bin) and OWSLib's Features client; and the standard's rules, by the test client."""

import json
import os
import re
import subprocess

import pytest
from django.contrib.gis.geos import Polygon
from django.test import Client
from owslib.ogcapi.features import Features
from owslib.util import Authentication

from hazards import services
from hazards.models import ApiToken, Hazard, WorkOrder

from .conftest import make_hazard
from .test_api_access import basic

BBOX = (116.60, 39.83, 116.72, 39.87)  # around the Xiaotaihou only


@pytest.fixture
def layers(rivers, cast):
    xth, cb = rivers["xiaotaihou"], rivers["chaobai"]
    hazards = [make_hazard(xth, c, kind="culvert" if c % 2000 else "debris") for c in range(600, 7000, 900)]
    hazards += [make_hazard(cb, c, kind="vegetation") for c in (8000, 15000, 22000)]
    for start, end in ((500, 2500), (3000, 5200)):
        services.work_order_save(order=WorkOrder(title=f"Dredge K{start}", kind="dredge", river=xth,
                                                 start_chainage_m=start, end_chainage_m=end), user=cast["admin"])
    services.work_order_save(order=WorkOrder(title="Remove culvert", kind="remove", hazard=hazards[0]), user=cast["admin"])
    return hazards


def gdal(*args, env=None, check=True):
    """Run a GDAL utility with Basic credentials (or the headers given), no configuration of the user's."""
    environment = {"PATH": os.environ["PATH"], "GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": "leader:pw-leader",
                   "CPL_DEBUG": "OFF", **(env or {})}
    result = subprocess.run(args, capture_output=True, text=True, env=environment, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def feature_count(output):
    return int(re.search(r"Feature Count: (\d+)", output)[1])


def test_gdal_reads_every_collection_page_by_page(live_server, layers):
    url = f"OAPIF:{live_server.url}/ogc/"
    expected = {"hazards": len(layers), "rivers": 2, "work-order-reaches": 2}
    for collection in ("hazards", "rivers", "work-order-reaches", "patrol-coverage"):
        summary = gdal("ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=3", url, collection).stdout
        every = gdal("ogrinfo", "-ro", "-al", "-oo", "PAGE_SIZE=3", url, collection).stdout
        read = every.count("OGRFeature(")
        assert read == feature_count(summary) > 0, collection
        if collection in expected:
            assert read == expected[collection], collection
    hazards = gdal("ogrinfo", "-ro", "-al", "-oo", "PAGE_SIZE=3", url, "hazards").stdout
    assert f"code (String) = {layers[-1].code}" in hazards and "POINT (116." in hazards


def test_gdal_asks_for_a_bbox_and_gets_what_lies_in_it(live_server, layers):
    inside = Hazard.objects.filter(location__within=Polygon.from_bbox(BBOX)).count()
    assert 0 < inside < len(layers)
    output = gdal("ogrinfo", "-ro", "-al", "-oo", "PAGE_SIZE=2", "-spat", *map(str, BBOX),
                  f"OAPIF:{live_server.url}/ogc/", "hazards").stdout
    assert output.count("OGRFeature(") == inside


def test_ogr2ogr_copies_the_hazards_into_a_geopackage_with_a_token(live_server, layers, cast, tmp_path):
    token = ApiToken(user=cast["inspector"], name="QGIS")
    key = token.new_key()
    token.save()
    out = tmp_path / "hazards.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live_server.url}/ogc/", "hazards", "-oo", "PAGE_SIZE=4",
         env={"GDAL_HTTP_AUTH": "", "GDAL_HTTP_USERPWD": "", "GDAL_HTTP_HEADERS": f"Authorization: Token {key}"})
    api_count = len(Client().get("/api/hazards/", **basic("leader", "pw-leader")).json()["features"])
    copied = gdal("ogrinfo", "-ro", "-so", str(out), "hazards").stdout
    assert feature_count(copied) == api_count == len(layers)


def test_gdal_without_credentials_is_refused(live_server, layers):
    result = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/ogc/", "hazards",
                  env={"GDAL_HTTP_AUTH": "", "GDAL_HTTP_USERPWD": ""}, check=False)
    assert result.returncode != 0 and "401" in result.stderr


def test_owslib_lists_the_collections_and_pages_through_items(live_server, layers):
    api = Features(f"{live_server.url}/ogc/", auth=Authentication("leader", "pw-leader"))
    assert {c["id"] for c in api.collections()["collections"]} == {"hazards", "rivers", "work-order-reaches",
                                                                  "patrol-coverage"}
    assert set(api.feature_collections()) == {"hazards", "rivers", "work-order-reaches", "patrol-coverage"}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in api.conformance()["conformsTo"]
    codes = []
    offset = 0
    while True:
        page = api.collection_items("hazards", limit=3, offset=offset)
        assert page["numberMatched"] == len(layers) and page["numberReturned"] == len(page["features"])
        codes += [f["id"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 3
    assert codes == list(Hazard.objects.values_list("code", flat=True))  # river by river, upstream to downstream
    boxed = api.collection_items("hazards", bbox=list(BBOX), limit=100)
    assert boxed["numberMatched"] == Hazard.objects.filter(location__within=Polygon.from_bbox(BBOX)).count()
    one = api.collection_item("hazards", layers[2].code)
    assert one["id"] == layers[2].code and one["properties"]["title"] == layers[2].title
    assert api.api()["openapi"].startswith("3.0")


# The standard's rules, without a client in between.

def get(client, path, **params):
    return client.get(path, params, **basic("leader", "pw-leader"))


def test_paging_links_counts_and_time_stamp(layers):
    client = Client()
    page = get(client, "/ogc/collections/hazards/items", limit=4, offset=4, river="xiaotaihou")
    assert page["Content-Type"] == "application/geo+json"
    data = page.json()
    xth = Hazard.objects.filter(river__code="xiaotaihou").count()
    assert data["numberMatched"] == xth and data["numberReturned"] == len(data["features"]) == min(4, xth - 4)
    links = {link["rel"]: link["href"] for link in data["links"]}
    assert "offset=0" in links["prev"] and "river=xiaotaihou" in links["prev"]
    assert ("next" in links) == (xth > 8)
    assert data["timeStamp"].endswith("Z")


def test_unknown_parameters_and_bad_values_get_400(layers):
    client = Client()
    for params in ({"colour": "red"}, {"limit": "0"}, {"offset": "-1"}, {"bbox": "1,2,3"}, {"f": "html"},
                   {"risk_level": "purple"}, {"datetime": "yesterday"}, {"days": "30"}):
        response = get(client, "/ogc/collections/hazards/items", **params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "InvalidParameterValue"
    assert get(client, "/ogc/collections/patrol-coverage/items", days="30").status_code == 200
    assert get(client, "/ogc/collections/nowhere/items").status_code == 404
    assert get(client, "/ogc/collections/hazards/items/NOPE-999").status_code == 404


def test_long_floats_in_a_bbox_and_a_limit_over_the_maximum(layers, settings):
    settings.OGC_MAX_LIMIT = 5
    response = get(Client(), "/ogc/collections/hazards/items", limit=1000,
                   bbox="116.6000000000000014,39.8299999999999983,116.7199999999999989,39.8699999999999974")
    data = response.json()
    assert response.status_code == 200 and data["numberReturned"] <= 5
    assert data["numberMatched"] == Hazard.objects.filter(location__within=Polygon.from_bbox(BBOX)).count()


def test_json_by_default_and_with_f_json(layers):
    client = Client()
    for path in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/hazards"):
        assert get(client, path)["Content-Type"] == "application/json"
        assert get(client, path, f="json").status_code == 200
    landing = get(client, "/ogc/").json()
    service_desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    assert service_desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert json.loads(get(client, "/ogc/api").content)["paths"]


def test_the_queryables_are_the_apis_filters(layers):
    data = get(Client(), "/ogc/collections/hazards/queryables").json()
    assert set(data["properties"]) == {"river", "risk_level", "status"}
    Hazard.objects.filter(pk=layers[0].pk).update(status="confirmed")
    confirmed = get(Client(), "/ogc/collections/hazards/items", status="confirmed").json()
    assert [f["id"] for f in confirmed["features"]] == [layers[0].code] and confirmed["numberMatched"] == 1
    xth_high = get(Client(), "/ogc/collections/hazards/items", river="xiaotaihou", risk_level="moderate").json()
    assert xth_high["numberMatched"] == Hazard.objects.filter(river__code="xiaotaihou", risk_level="moderate").count() > 0


def test_never_anonymous(layers):
    for path in ("/ogc/", "/ogc/collections", "/ogc/collections/hazards/items", "/ogc/api"):
        assert Client().get(path).status_code == 401, path
