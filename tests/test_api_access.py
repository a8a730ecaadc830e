"""Programs use the REST API: personal tokens made on the profile page, HTTP Basic (locked out like the login
page), sessions for the pages; the writes programs make; the OpenAPI document and its local viewer."""

import base64
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate

from hazards import services
from hazards.models import ApiToken, Hazard, WorkOrder

from .conftest import jpeg, make_hazard

API = "/api/hazards/"


def basic(username, password):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def token_header(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.fixture
def hazards(rivers):
    xth = rivers["xiaotaihou"]
    return [make_hazard(xth, 1800, kind="culvert", in_main_channel=True, blockage_pct=60),
            make_hazard(xth, 3500, kind="pylon")]


def make_token_on_the_profile_page(client_as, name="engineer"):
    page = client_as(name).post(reverse("hazards:api-tokens"), {"name": "nightly script"})
    assert page.status_code == 200
    return re.search(r'<code id="new-token">([^<]+)</code>', page.content.decode())[1]


def test_a_token_made_on_the_profile_page_lists_hazards_and_is_shown_only_once(client_as, hazards):
    key = make_token_on_the_profile_page(client_as)
    response = Client().get(API, **token_header(key))
    assert response.status_code == 200 and len(response.json()["features"]) == 2
    token = ApiToken.objects.get()
    assert token.key_hash != key and key not in token.key_start and token.last_used_at is not None
    again = client_as("engineer").get(reverse("hazards:api-tokens")).content.decode()
    assert "nightly script" in again and key not in again


def test_a_revoked_token_is_refused(client_as, hazards):
    key = make_token_on_the_profile_page(client_as)
    token = ApiToken.objects.get()
    client_as("engineer").post(reverse("hazards:api-token-revoke", args=[token.pk]))
    response = Client().get(API, **token_header(key))
    assert response.status_code == 401 and "吊销" in response.json()["error"]  # programs get Chinese, the default


def test_a_user_cannot_revoke_someone_elses_token(client_as, hazards, cast):
    token = ApiToken(user=cast["leader"], name="leader's")
    key = token.new_key()
    token.save()
    assert client_as("engineer").post(reverse("hazards:api-token-revoke", args=[token.pk])).status_code == 404
    assert Client().get(API, **token_header(key)).status_code == 200


def test_a_token_acts_with_its_users_role(cast, hazards):
    token = ApiToken(user=cast["stranger"], name="no role")
    key = token.new_key()
    token.save()
    assert Client().get(API, **token_header(key)).status_code == 403


def test_nobody_gets_401_with_a_challenge(db, hazards):
    response = Client().get(API)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert Client().get(API, HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


def test_http_basic_lets_a_gis_client_in(cast, hazards):
    assert Client().get(API, **basic("leader", "pw-leader")).status_code == 200
    assert Client().get(API, **basic("leader", "wrong")).status_code == 401


def test_wrong_basic_passwords_lock_the_user_out_like_the_login_page(cast, hazards, settings):
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.get(API, **basic("leader", "wrong"))
    locked = client.get(API, **basic("leader", "pw-leader"))
    assert locked.status_code == 429 and "输错密码" in locked.json()["error"]
    # The login page counts the same failures: the same name from the same address is locked out there too.
    page = Client(REMOTE_ADDR="10.1.2.3").post(reverse("login"), {"username": "leader", "password": "pw-leader"})
    assert page.status_code == 429
    # Other users from that address are not.
    assert client.get(API, **basic("engineer", "pw-engineer")).status_code == 200


def test_an_inspector_reports_a_hazard_with_a_photo(cast, rivers):
    point = rivers["xiaotaihou"].point_at(2500, offset_m=10)
    response = Client().post(API, {
        "title": "Spoil heap", "kind": "debris", "blockage_pct": "20", "latitude": point.y, "longitude": point.x,
        "photos": [jpeg()],
    }, **basic("inspector", "pw-inspector"))
    assert response.status_code == 201, response.content
    feature = json.loads(response.content)
    hazard = Hazard.objects.get(code=feature["properties"]["code"])
    assert (hazard.river.code, hazard.risk_level, hazard.reported_by.username) == ("xiaotaihou", "high", "inspector")
    assert hazard.photos.count() == 1 and hazard.history.first().history_user == cast["inspector"]


def test_a_hazard_report_gets_the_forms_rules(cast, rivers):
    far = {"title": "Far away", "kind": "debris", "latitude": "31.2", "longitude": "121.5"}
    response = Client().post(API, far, **basic("inspector", "pw-inspector"))
    assert response.status_code == 400 and "121.5" in response.json()["errors"]["latitude"]
    assert Client().post(API, far, **basic("engineer", "pw-engineer")).status_code == 403
    assert Hazard.objects.count() == 0


@pytest.fixture
def completed_order(hazards, cast):
    order = services.work_order_save(order=WorkOrder(title="Enlarge", kind="enlarge_culvert", hazard=hazards[0]),
                                     user=cast["admin"], engineers=[cast["engineer"]])
    services.progress_update_create(order_id=order.pk, user=cast["engineer"], percent=100, version=order.version)
    order.refresh_from_db()
    return order


def test_an_inspector_accepts_an_order_and_a_stale_version_gets_409(completed_order, cast):
    url = reverse("hazards:api-work-order-accept", args=[completed_order.pk])
    stale = Client().post(url, {"note": "ok", "version": completed_order.version - 1, "photo": jpeg()},
                          **basic("inspector", "pw-inspector"))
    assert stale.status_code == 409 and stale.json()["current"]["status"] == "completed"
    response = Client().post(url, {"note": "Checked on site", "version": completed_order.version, "photo": jpeg()},
                             **basic("inspector", "pw-inspector"))
    assert response.status_code == 201, response.content
    assert json.loads(response.content)["properties"]["status"] == "accepted"
    assert Hazard.objects.get(pk=completed_order.hazard_id).status == "cleared"
    assert Client().post(url, {"version": 1}, **basic("engineer", "pw-engineer")).status_code == 403


def test_progress_by_token_needs_no_csrf_but_a_session_does(completed_order, cast, client_as):
    order = services.work_order_save(order=WorkOrder(title="Cut reeds", kind="cut_vegetation",
                                                     hazard=Hazard.objects.last()),
                                     user=cast["admin"], engineers=[cast["engineer"]])
    url = reverse("hazards:api-work-order-progress", args=[order.pk])
    token = ApiToken(user=cast["engineer"], name="phone")
    key = token.new_key()
    token.save()
    assert Client(enforce_csrf_checks=True).post(url, {"percent": 40, "version": order.version},
                                                 **token_header(key)).status_code == 201
    session = Client(enforce_csrf_checks=True)
    session.force_login(cast["engineer"])
    assert session.post(url, {"percent": 50, "version": order.version + 1}).status_code == 403


def test_the_openapi_document_is_valid_and_documents_refusals(client_as, db):
    response = client_as("leader").get(reverse("hazards:api-schema"))
    assert response.status_code == 200
    document = json.loads(response.content)
    validate(document)
    assert document["openapi"].startswith("3.0")
    hazards_get = document["paths"]["/api/hazards/"]["get"]
    assert {"200", "400", "401", "403"} <= set(hazards_get["responses"])
    assert "application/geo+json" in hazards_get["responses"]["200"]["content"]
    assert {"risk_level", "river", "bbox"} <= {p["name"] for p in hazards_get["parameters"]}
    assert "/ogc/collections/{collection}/items" in document["paths"]
    assert {"tokenAuth", "basicAuth", "cookieAuth"} <= set(document["components"]["securitySchemes"])
    assert Client().get(reverse("hazards:api-schema")).status_code == 401


def test_the_api_docs_are_served_from_our_own_static_files(client_as, db):
    page = client_as("leader").get(reverse("hazards:api-docs")).content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in a for a in assets)
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
