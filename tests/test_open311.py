"""Open311 GeoReport v2 for the 12345 hotline: client keys, the specification's formats, citizen reports with their
deadlines, likely duplicates and routing, the inspector's decisions, and the status that flows back."""

import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hazards import hotline, services
from hazards.models import CitizenReport, Hazard, Open311Client, WorkOrder

from .conftest import jpeg, make_hazard


@pytest.fixture
def hotline_key(db):
    client = Open311Client(name="12345 hotline")
    key = client.new_key()
    client.save()
    return key


def post(base, key, **fields):
    """POST form-encoded, as a client system does, over real HTTP; (status, body, content type)."""
    data = urllib.parse.urlencode({"api_key": key, **fields}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{base}/open311/v2/requests.json", data=data)) as r:
            return r.status, r.read(), r.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers["Content-Type"]


def fetch(base, path, **params):
    with urllib.request.urlopen(f"{base}/open311/v2/{path}?{urllib.parse.urlencode(params)}") as r:
        return r.read(), r.headers["Content-Type"]


def test_a_hotline_report_flows_from_post_to_closed_with_notes(live_server, rivers, cast, hotline_key):
    xth = rivers["xiaotaihou"]
    here, near = xth.point_at(2600, offset_m=5), xth.point_at(2630, offset_m=5)  # 30 m apart along the river
    status, body, content_type = post(live_server.url, hotline_key, service_code="dumped_spoil",
                                      lat=here.y, long=here.x, description="有人往河里倒渣土",
                                      first_name="明", last_name="王", phone="13800000000", email="wang@example.cn")
    assert status == 201 and content_type.startswith("application/json")
    first_id = json.loads(body)[0]["service_request_id"]
    assert "token" not in json.loads(body)[0]
    first = CitizenReport.objects.get(pk=first_id)
    assert (first.status, first.river, first.hazard) == ("awaiting", xth, None) and Hazard.objects.count() == 0

    status, body, _ = post(live_server.url, hotline_key, service_code="dumped_spoil", lat=near.y, long=near.x,
                           description="又看到有人倒土")
    second = CitizenReport.objects.get(pk=json.loads(body)[0]["service_request_id"])
    assert second.duplicate_report == first and "30 米" in second.duplicate_note  # written in the hotline's language

    # The inspector confirms the first into a hazard (the hazard form, filled from the report).
    inspector = Client()
    inspector.force_login(cast["inspector"])
    form = inspector.get(reverse("hazards:citizen-report-confirm", args=[first.pk])).content.decode()
    assert "有人往河里倒渣土" in form
    response = inspector.post(reverse("hazards:citizen-report-confirm", args=[first.pk]), {
        "title": "河道倾倒渣土", "kind": "debris", "blockage_pct": "20", "status": "confirmed",
        "latitude": here.y, "longitude": here.x, "river": xth.pk, "description": "有人往河里倒渣土",
    })
    assert response.status_code == 302
    first.refresh_from_db()
    hazard = first.hazard
    assert first.status == "confirmed" and first.answered_at and hazard.status == "confirmed"

    # A third report 30 m away now meets the hazard itself.
    _, body, _ = post(live_server.url, hotline_key, service_code="blocked_channel", lat=near.y, long=near.x)
    assert CitizenReport.objects.get(pk=json.loads(body)[0]["service_request_id"]).duplicate_hazard == hazard

    # Cleared: an order, its progress, the site check.
    order = services.work_order_save(order=WorkOrder(title="清运渣土", kind="remove", hazard=hazard,
                                                     responsible_unit="张家湾镇水务站"),
                                     user=cast["admin"], engineers=[cast["engineer"]])
    services.progress_update_create(order_id=order.pk, user=cast["engineer"], percent=100, version=order.version)
    order.refresh_from_db()
    services.work_order_accept(order_id=order.pk, user=cast["inspector"], note="渣土已清运完毕", photo=jpeg(),
                               version=order.version)

    xml, content_type = fetch(live_server.url, f"requests/{first.pk}.xml", api_key=hotline_key)
    assert content_type == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(xml)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == str(first.pk)
    assert root.find("request/status").text == "closed"
    assert "渣土已清运完毕" in root.find("request/status_notes").text and hazard.code in root.find("request/status_notes").text
    assert root.find("request/agency_responsible").text == "张家湾镇水务站"
    requested = datetime.datetime.fromisoformat(root.find("request/requested_datetime").text)
    assert requested.utcoffset() == datetime.timedelta(hours=8)
    assert b"13800000000" not in xml and "王".encode() not in xml and b"wang@" not in xml
    first.refresh_from_db()
    assert first.closed_at is not None


def test_a_post_with_a_bad_key_gets_403_and_writes_nothing(live_server, rivers, hotline_key):
    point = rivers["xiaotaihou"].point_at(2600)
    status, body, _ = post(live_server.url, "o311_wrong", service_code="dumped_spoil", lat=point.y, long=point.x)
    assert status == 403 and json.loads(body)[0]["code"] == 403
    revoked = Open311Client.objects.get()
    revoked.revoke()
    assert post(live_server.url, hotline_key, service_code="dumped_spoil", lat=point.y, long=point.x)[0] == 403
    assert CitizenReport.objects.count() == 0


@pytest.fixture
def client311(hotline_key):
    """A test client with the hotline's key put into every request."""

    class KeyedClient(Client):
        def get(self, path, data=None, **extra):
            return super().get(path, {"api_key": hotline_key, **(data or {})}, **extra)

        def post(self, path, data=None, **extra):
            return super().post(path, {"api_key": hotline_key, **(data or {})}, **extra)

    return KeyedClient()


def test_services_and_definitions_in_json_and_xml(client311, rivers):
    services_json = client311.get("/open311/v2/services.json").json()
    assert isinstance(services_json, list) and {s["service_code"] for s in services_json} == set(CitizenReport.Service.values)
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in services_json)
    root = ElementTree.fromstring(client311.get("/open311/v2/services.xml").content)
    assert root.tag == "services" and len(root.findall("service")) == 4 and root.find("service/metadata").text == "true"
    definition = client311.get("/open311/v2/services/dumped_spoil.json").json()
    assert definition["service_code"] == "dumped_spoil"
    assert [a["code"] for a in definition["attributes"]] == ["kind", "river", "urgency"]
    root = ElementTree.fromstring(client311.get("/open311/v2/services/dumped_spoil.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None
    missing = client311.get("/open311/v2/services/nothing.xml")
    assert missing.status_code == 404 and ElementTree.fromstring(missing.content).find("error/code").text == "404"


def test_errors_in_the_specifications_shape(client311, rivers):
    response = client311.post("/open311/v2/requests.xml", {"service_code": "dumped_spoil"})
    assert response.status_code == 400 and response["Content-Type"] == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "400" and root.find("error/description").text
    response = client311.post("/open311/v2/requests.json", {"service_code": "dumped_spoil", "lat": "31.2", "long": "121.5"})
    assert response.status_code == 400 and set(response.json()[0]) == {"code", "description"}
    assert client311.post("/open311/v2/requests.json", {"service_code": "pothole", "lat": "39.85"}).status_code == 404
    assert CitizenReport.objects.count() == 0


def test_the_rate_limit_answers_429(client311, rivers, settings):
    settings.OPEN311_REQUESTS_PER_MINUTE = 3
    statuses = [client311.get("/open311/v2/services.json").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_requests_are_listed_and_filtered(client311, rivers, cast):
    xth = rivers["xiaotaihou"]
    for chainage, code in ((1000, "dumped_spoil"), (4000, "illegal_structure")):
        point = xth.point_at(chainage)
        assert client311.post("/open311/v2/requests.json", {"service_code": code, "lat": point.y, "long": point.x}).status_code == 201
    listed = client311.get("/open311/v2/requests.json").json()
    assert len(listed) == 2 and all(r["status"] == "open" for r in listed)
    assert [r["service_code"] for r in client311.get("/open311/v2/requests.json", {"service_code": "dumped_spoil"}).json()] == ["dumped_spoil"]
    assert client311.get("/open311/v2/requests.json", {"status": "closed"}).json() == []
    one = listed[0]["service_request_id"]
    assert [r["service_request_id"] for r in client311.get("/open311/v2/requests.json", {"service_request_id": one}).json()] == [one]
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    assert client311.get("/open311/v2/requests.json", {"start_date": later}).json() == []
    assert client311.get("/open311/v2/requests.json", {"start_date": "not a date"}).status_code == 400
    assert client311.get("/open311/v2/requests/999999.json").status_code == 404


def test_an_address_near_an_open_hazard_is_a_likely_duplicate_by_name(client311, rivers):
    hazard = make_hazard(rivers["xiaotaihou"], 1800, kind="culvert")
    village = hazard.village
    response = client311.post("/open311/v2/requests.json", {"service_code": "blocked_channel",
                                                             "address_string": f"通州区{village.name_zh}东侧河边"})
    report = CitizenReport.objects.get(pk=response.json()[0]["service_request_id"])
    assert report.location is None and report.duplicate_hazard == hazard
    assert "Geocoding is not available offline" in report.duplicate_note or "地理编码" in report.duplicate_note


def test_deadlines_follow_beijing_12345(db):
    received = timezone.now()
    hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
    assert CitizenReport.deadlines_for("life_safety", received) == (received + hour, received + 2 * hour, received + 7 * day)
    assert CitizenReport.deadlines_for("extreme_weather", received) == (received + 2 * hour, None, received + 7 * day)
    assert CitizenReport.deadlines_for("ordinary", received) == (None, None, received + 7 * day)
    assert CitizenReport.deadlines_for("complex", received) == (None, None, received + 15 * day)


def test_a_life_safety_report_goes_to_the_duty_at_once_and_is_flagged_overdue(client311, rivers, cast, client_as):
    point = rivers["chaobai"].point_at(10000)
    response = client311.post("/open311/v2/requests.json", {"service_code": "flood_danger", "lat": point.y, "long": point.x,
                                                             "description": "水漫进院子了"})
    report = CitizenReport.objects.get(pk=response.json()[0]["service_request_id"])
    assert report.urgency == "life_safety" and report.routed_to == "duty"
    assert {u.username for u in services.citizen_report_route(report)} == {"admin", "leader"}
    page = client_as("leader").get(reverse("hazards:map")).content.decode()
    assert 'class="badge urgent"' in page
    CitizenReport.objects.filter(pk=report.pk).update(received_at=timezone.now() - datetime.timedelta(hours=3),
                                                      assign_by=timezone.now() - datetime.timedelta(hours=2))
    report.refresh_from_db()
    assert report.is_overdue and CitizenReport.objects.overdue().filter(pk=report.pk).exists()
    listing = client_as("leader").get(reverse("hazards:citizen-reports"), {"show": "overdue"}).content.decode()
    assert "is-overdue" in listing and "Overdue" in listing


def test_contact_details_only_for_inspectors_and_admins(client311, rivers, client_as):
    point = rivers["xiaotaihou"].point_at(3000)
    response = client311.post("/open311/v2/requests.json", {"service_code": "illegal_structure", "lat": point.y,
                                                             "long": point.x, "phone": "13911112222", "last_name": "李"})
    url = reverse("hazards:citizen-report", args=[response.json()[0]["service_request_id"]])
    assert "13911112222" in client_as("inspector").get(url).content.decode()
    assert "13911112222" in client_as("admin").get(url).content.decode()
    assert "13911112222" not in client_as("leader").get(url).content.decode()
    assert "13911112222" not in client_as("engineer").get(url).content.decode()
    assert b"13911112222" not in client311.get("/open311/v2/requests.json").content


def test_inspectors_attach_or_reject_and_the_summary_counts(client311, rivers, cast, client_as):
    xth = rivers["xiaotaihou"]
    hazard = make_hazard(xth, 5000, kind="building")
    ids = []
    for chainage in (5000, 200):
        point = xth.point_at(chainage)
        ids.append(client311.post("/open311/v2/requests.json", {"service_code": "illegal_structure", "lat": point.y,
                                                                 "long": point.x}).json()[0]["service_request_id"])
    inspector = client_as("inspector")
    inspector.post(reverse("hazards:citizen-report-take", args=[ids[0]]))
    inspector.post(reverse("hazards:citizen-report-attach", args=[ids[0]]), {"hazard": hazard.code})
    assert inspector.post(reverse("hazards:citizen-report-reject", args=[ids[1]]), {"reason": ""}).status_code == 400
    inspector.post(reverse("hazards:citizen-report-reject", args=[ids[1]]), {"reason": "是农田灌溉沟，不在河道管理范围"})
    attached, rejected = CitizenReport.objects.get(pk=ids[0]), CitizenReport.objects.get(pk=ids[1])
    assert attached.status == "attached" and attached.hazard == hazard and attached.assigned_to == cast["inspector"]
    assert rejected.status == "rejected" and rejected.closed_at is not None
    assert client311.get(f"/open311/v2/requests/{ids[1]}.json").json()[0]["status"] == "closed"
    assert "农田灌溉沟" in client311.get(f"/open311/v2/requests/{ids[1]}.json").json()[0]["status_notes"]
    # A second decision is refused: the report was decided.
    inspector.post(reverse("hazards:citizen-report-reject", args=[ids[0]]), {"reason": "late"})
    assert CitizenReport.objects.get(pk=ids[0]).status == "attached"
    summary = hotline.summary(CitizenReport.objects.all())
    assert (summary.count, summary.closed, summary.share_closed) == (2, 1, 0.5)
    assert summary.share_within_deadline == 1.0 and summary.median_days_to_closure < 0.01
    assert client_as("engineer").post(reverse("hazards:citizen-report-reject", args=[ids[0]]), {"reason": "x"}).status_code == 403
