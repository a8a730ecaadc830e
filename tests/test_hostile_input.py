"""Hostile input, sent to every form and API endpoint that takes input (issue 8's corpus).

For every field of every form: numbers that are not numbers, coordinates that
cannot be, text that is too long or holds control characters, lines that are
not lines, identifiers that overflow, files that are not photos. Each must get
a 4xx or a form error, never a 500, and leave the database and the media
folder exactly as they were. Text with HTML or script in it may be kept, but
is shown as text wherever it appears (tests/test_hostile_output.py).
"""

import datetime
import io
import json
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from hazards import response, services
from hazards.imports import pending
from hazards.imports.tracks import read_drawn_line
from hazards.models import (
    CitizenReport,
    Declaration,
    Drill,
    DrillFollowUp,
    Evacuation,
    EvacuationPlan,
    Gauge,
    Open311Client,
    Patrol,
    Responsibility,
    ResponsiblePerson,
    Tour,
    Village,
    WorkOrder,
)

from . import hostile
from .conftest import make_hazard
from .test_drills import formset


@pytest.fixture
def world(rivers, cast, settings, checklists):
    """One of everything a form can point at."""
    xth = rivers["xiaotaihou"]
    culvert = make_hazard(xth, 1800, kind="culvert", in_main_channel=True, blockage_pct=60)
    pylon = make_hazard(xth, 3500, kind="pylon", in_main_channel=True, blockage_pct=30)
    order = services.work_order_save(order=WorkOrder(title="Enlarge the culvert", kind="enlarge_culvert", hazard=culvert),
                                     user=cast["admin"], engineers=[cast["engineer"]])
    done = services.work_order_save(order=WorkOrder(title="Move the pylon", kind="relocate", hazard=pylon),
                                    user=cast["admin"], engineers=[cast["engineer"]])
    services.progress_update_create(order_id=done.pk, user=cast["engineer"], percent=100, version=done.version)
    done.refresh_from_db()
    track = json.dumps({"type": "LineString", "coordinates": [list(xth.point_at(c, 20).coords) for c in (800, 1900, 3000)]})
    patrol = Patrol(river=xth, date=timezone.localdate(), inspector=cast["inspector"], source="drawn")
    patrol.track = read_drawn_line(track).line
    patrol.save()
    baimiao = Village.objects.get(name_en="Baimiao")
    plan = EvacuationPlan.objects.create(village=baimiao, people_at_risk=100, households_at_risk=40, trigger_level="orange",
                                         reviewed_on=timezone.localdate())
    drill = Drill.objects.create(date=timezone.localdate(), town=baimiao.town, kind="sandbag", scenario="Seepage",
                                 organiser="Town office", participants=20, duration_minutes=60)
    follow_up = DrillFollowUp.objects.create(drill=drill, action="Move the sandbags")
    tour = Tour.objects.create(name="Xiaotaihou", created_by=cast["leader"])
    tour.hazards.set([culvert, pylon])
    lead = ResponsiblePerson.objects.create(name="Liu", unit="Baimiao village", mobile="13800000101")
    Responsibility.objects.create(person=lead, role="evacuation", season=response.current_season(), village=baimiao)
    declaration = services.declaration_declare(
        declaration=Declaration(warning="orange", response_level=2, scope="district"), user=cast["leader"])
    gauge = Gauge(code="dam", name="Dam", kind="water_level", river=xth, location=xth.point_at(2000, 30),
                  warning_level_m=25.5)
    gauge.full_clean()
    gauge.save()
    hotline = Open311Client(name="12345 hotline")
    open311_key = hotline.new_key()
    hotline.save()
    hotline.mark_used()  # so that the requests below write nothing for it
    settings.OPEN311_REQUESTS_PER_MINUTE = 100_000  # every hostile value reaches the form, none stops at the limit
    report = services.citizen_report_create(client=hotline, report=CitizenReport(
        service_code="dumped_spoil", location=xth.point_at(2600, 5), description="Spoil in the river"))
    return {
        "declaration": declaration, "action": declaration.actions.first(), "gauge": gauge,
        "call": declaration.call_outs.get(person=lead), "evacuation": declaration.evacuations.get(village=baimiao),
        "rivers": rivers, "cast": cast, "culvert": culvert, "pylon": pylon, "order": order, "done": done,
        "track": track, "patrol": patrol, "plan": plan, "drill": drill, "follow_up": follow_up, "tour": tour,
        "free_village": Village.objects.exclude(pk=baimiao.pk).filter(evacuation_plan=None).first(),
        "kouzi": xth.point_at(1200, 15), "open311_key": open311_key, "report": report,
    }


@dataclass
class Target:
    """A form or endpoint that takes input: who posts it, where, a valid submission, and its fields by kind."""

    name: str
    role: str
    url: object  # world -> URL
    data: object  # world -> a valid submission
    numbers: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    ids: list = field(default_factory=list)
    coordinates: tuple = ()
    lines: list = field(default_factory=list)
    photos: str = ""
    accepted: tuple = (201, 302)  # what the valid submission gets (a page that shows a new key once: 200)


def hazard_data(w, **extra):
    point = w["kouzi"]
    return {"title": "Litter at Kouzi", "kind": "debris", "blockage_pct": "5", "status": "reported",
            "latitude": str(point.y), "longitude": str(point.x), "river": str(w["rivers"]["xiaotaihou"].pk), **extra}


def edit_data(w):
    hazard = w["culvert"]
    hazard.refresh_from_db()
    return hazard_data(w, title=hazard.title, kind=hazard.kind, blockage_pct=str(hazard.blockage_pct),
                       in_main_channel="on", version=str(hazard.version))


def order_data(w, **extra):
    return {"title": "Cut the reeds", "kind": "cut_vegetation", "river": str(w["rivers"]["xiaotaihou"].pk),
            "start_chainage_m": "1000", "end_chainage_m": "2500", "deadline": "2027-06-01", "status": "planned",
            "engineers": [str(w["cast"]["engineer"].pk)], **extra}


def order_edit_data(w):
    order = WorkOrder.objects.get(pk=w["order"].pk)
    return {"title": order.title, "kind": order.kind, "hazard": str(order.hazard_id), "deadline": "2027-06-01",
            "status": order.status, "engineers": [str(w["cast"]["engineer"].pk)], "version": str(order.version)}


def progress_data(w):
    order = WorkOrder.objects.get(pk=w["order"].pk)
    return {"percent": "30", "note": "Half the pipe is out", "version": str(order.version)}


def plan_data(w):
    village = w["free_village"]
    point = village.geom if village.geom.geom_type == "Point" else village.geom.point_on_surface
    near = (point.x + 0.003, point.y + 0.002)
    return {
        "village": str(village.pk), "people_at_risk": "120", "households_at_risk": "40", "vulnerable_people": "6",
        "vulnerable_note": "Paired with cadres", "trigger_level": "orange", "reviewed_on": timezone.localdate().isoformat(),
        **formset("contacts", [{"name": "Liu", "duty": "Head", "phone": "13800000101"}]),
        **formset("shelters", [{"name": "Hall", "capacity": "80", "latitude": str(near[1]), "longitude": str(near[0])}]),
        **formset("routes", [{"name": "To the hall", "line": json.dumps(
            {"type": "LineString", "coordinates": [[point.x, point.y], list(near)]})}]),
    }


def drill_data(w):
    return {
        "date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(), "kind": "sandbag",
        "villages": [str(w["plan"].village_id)], "scenario": "Seepage at K12", "organiser": "Town office",
        "participants": "45", "duration_minutes": "90", "problems": "None",
        **formset("follow_ups", [{"action": "Move the store", "responsible": "Works team", "due": "2027-05-15"}]),
    }


def counts_data(w):
    evacuation = Evacuation.objects.get(pk=w["evacuation"].pk)
    return {"moved": "60", "vulnerable_moved": "5", "to_relatives": "10", "returned": "0", "vehicles": "2",
            "version": str(evacuation.version)}


def person_data(w):
    return {"name": "Zhou", "unit": "Songzhuang town", "position": "Deputy head", "mobile": "138 0000 1001",
            "backup_phone": "010-6951 0000", "email": "zhou@example.cn", "trained_on": "2026-04-20", "note": "On call",
            **formset("places", [{"role": "administrative", "season": str(response.current_season()),
                                  "hazard": w["pylon"].code}]),
            "places-1-role": "patrol", "places-1-season": str(response.current_season()),
            "places-1-river": str(w["rivers"]["chaobai"].pk), "places-1-start_m": "6000", "places-1-end_m": "13000",
            "places-TOTAL_FORMS": "2"}


def people_file_token(w):
    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = openpyxl.Workbook()
    book.active.append(["姓名", "单位", "手机", "责任人类型", "村庄"])
    book.active.append(["孙丽", "宋庄镇人民政府", "13800000202", "转移", "师姑庄村"])
    out = io.BytesIO()
    book.save(out)
    return {"token": pending.keep(SimpleUploadedFile("责任人.xlsx", out.getvalue()), w["cast"]["admin"])}


def readings_file(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("readings.csv", b"code,time,value\ndam,2026-07-28 20:00,25.1\n")}
def open311_data(w):
    point = w["rivers"]["xiaotaihou"].point_at(4200, 5)
    return {"api_key": w["open311_key"], "service_code": "illegal_structure", "lat": str(point.y), "long": str(point.x),
            "description": "A shed on the bank", "address_string": "Kouzi", "first_name": "Ming", "last_name": "Wang",
            "phone": "13800000000", "email": "wang@example.cn", "media_url": "https://12345.example.cn/p/1.jpg",
            "attribute[kind]": "building", "attribute[river]": "xiaotaihou", "attribute[urgency]": "ordinary"}


TARGETS = [
    Target("report a hazard", "inspector", lambda w: reverse("hazards:create"), hazard_data,
           numbers=["blockage_pct"], ids=["river", "kind", "status", "risk_override"],
           texts=["title", "description", "responsible_unit", "interim_measure"], coordinates=("latitude", "longitude"),
           photos="photos"),
    Target("edit a hazard", "inspector", lambda w: reverse("hazards:edit", args=[w["culvert"].code]), edit_data,
           numbers=["blockage_pct", "version"], ids=["river", "kind"],
           texts=["title", "description", "responsible_unit"], coordinates=("latitude", "longitude"), photos="photos"),
    Target("report a hazard found on a patrol", "inspector",
           lambda w: reverse("hazards:patrol-report-hazard", args=[w["patrol"].pk]), hazard_data,
           numbers=["blockage_pct"], texts=["title"], coordinates=("latitude", "longitude"), photos="photos"),
    Target("create a work order", "admin", lambda w: reverse("hazards:work-order-create"), order_data,
           numbers=["start_chainage_m", "end_chainage_m"], ids=["river", "hazard", "engineers", "kind", "status"],
           texts=["title", "responsible_unit", "contractor", "suspended_reason", "deadline", "planned_start"]),
    Target("edit a work order", "admin", lambda w: reverse("hazards:work-order-edit", args=[w["order"].pk]),
           order_edit_data, numbers=["version"], ids=["hazard", "engineers"], texts=["title", "deadline"]),
    Target("report progress on the page", "engineer",
           lambda w: reverse("hazards:work-order-progress", args=[w["order"].pk]), progress_data,
           numbers=["percent", "version"], texts=["note", "kept_photos", "prefix"], photos="photos"),
    Target("report progress through the API", "engineer",
           lambda w: reverse("hazards:api-work-order-progress", args=[w["order"].pk]), progress_data,
           numbers=["percent", "version"], texts=["note"], photos="photos"),
    Target("accept an order", "inspector", lambda w: reverse("hazards:work-order-accept", args=[w["done"].pk]),
           lambda w: {"note": "Checked on site", "version": str(WorkOrder.objects.get(pk=w["done"].pk).version),
                      "photo": hostile.good_upload()},
           numbers=["version"], texts=["note"], photos="photo"),
    Target("record a patrol", "inspector", lambda w: reverse("hazards:patrol-create"),
           lambda w: {"river": str(w["rivers"]["xiaotaihou"].pk), "date": timezone.localdate().isoformat(),
                      "companions": "Wang", "note": "All clear", "drawn_track": w["track"]},
           ids=["river"], texts=["companions", "note", "date"], lines=["drawn_track"]),
    Target("check a hazard on a patrol", "inspector", lambda w: reverse("hazards:patrol-check", args=[w["patrol"].pk]),
           lambda w: {"hazard": str(w["culvert"].pk), "observation": "Water flows"},
           ids=["hazard"], texts=["observation"], photos="photo"),
    Target("write an evacuation plan", "inspector", lambda w: reverse("hazards:plan-create"), plan_data,
           numbers=["people_at_risk", "households_at_risk", "vulnerable_people", "shelters-0-capacity"],
           ids=["village", "trigger_level"], texts=["vulnerable_note", "contacts-0-name", "contacts-0-phone", "reviewed_on"],
           coordinates=("shelters-0-latitude", "shelters-0-longitude"), lines=["routes-0-line"]),
    Target("record a drill", "inspector", lambda w: reverse("hazards:drill-create"), drill_data,
           numbers=["participants", "duration_minutes"], ids=["villages", "kind", "town"],
           texts=["scenario", "organiser", "problems", "follow_ups-0-action", "date"], photos="photos"),
    Target("make a work order from a drill's follow-up", "admin",
           lambda w: reverse("hazards:follow-up-work-order", args=[w["follow_up"].pk]), order_data,
           numbers=["start_chainage_m", "end_chainage_m"], ids=["river", "hazard"], texts=["title"]),
    # Open interfaces (issue 12)
    Target("report a hazard through the API", "inspector", lambda w: reverse("hazards:api-hazards"), hazard_data,
           numbers=["blockage_pct"], ids=["river", "kind", "status", "risk_override"],
           texts=["title", "description", "responsible_unit", "interim_measure"], coordinates=("latitude", "longitude"),
           photos="photos"),
    Target("accept an order through the API", "inspector",
           lambda w: reverse("hazards:api-work-order-accept", args=[w["done"].pk]),
           lambda w: {"note": "Checked on site", "version": str(WorkOrder.objects.get(pk=w["done"].pk).version),
                      "photo": hostile.good_upload()},
           numbers=["version"], texts=["note"], photos="photo"),
    # Offline field capture (issue 14): what the phone's queue sends
    Target("report a hazard from the phone's queue", "inspector", lambda w: reverse("hazards:api-hazards"),
           lambda w: {**hazard_data(w), "check_duplicates": "1", "uploads": []},
           numbers=["blockage_pct"], texts=["title", "uploads", "check_duplicates"],
           coordinates=("latitude", "longitude")),
    Target("record a patrol through the API", "inspector", lambda w: reverse("hazards:api-patrols"),
           lambda w: {"river": str(w["rivers"]["xiaotaihou"].pk), "date": timezone.localdate().isoformat(),
                      "companions": "Wang", "note": "All clear", "drawn_track": w["track"]},
           ids=["river"], texts=["companions", "note", "date"], lines=["drawn_track"]),
    Target("post a request over Open311", "leader", lambda w: "/open311/v2/requests.json", open311_data,
           ids=["service_code", "attribute[kind]", "attribute[river]", "attribute[urgency]"],
           texts=["description", "address_string", "first_name", "last_name", "phone", "email", "media_url",
                  "api_key"],
           coordinates=("lat", "long")),
    Target("confirm a citizen report as a hazard", "inspector",
           lambda w: reverse("hazards:citizen-report-confirm", args=[w["report"].pk]), hazard_data,
           numbers=["blockage_pct"], ids=["river", "kind", "status"], texts=["title", "description"],
           coordinates=("latitude", "longitude"), photos="photos"),
    Target("attach a citizen report to a hazard", "inspector",
           lambda w: reverse("hazards:citizen-report-attach", args=[w["report"].pk]),
           lambda w: {"hazard": w["culvert"].code}, ids=["hazard"], texts=["hazard"]),
    Target("reject a citizen report", "inspector",
           lambda w: reverse("hazards:citizen-report-reject", args=[w["report"].pk]),
           lambda w: {"reason": "A farm ditch, not a river"}, texts=["reason"]),
    Target("make an API token", "leader", lambda w: reverse("hazards:api-tokens"), lambda w: {"name": "QGIS"},
           texts=["name"], accepted=(200,)),
    Target("plan a tour", "leader", lambda w: reverse("hazards:tour-create"),
           lambda w: {"name": "Kouzi and Qianying", "note": "Morning", "hazards": [w["culvert"].code, w["pylon"].code]},
           ids=["hazards"], texts=["name", "note"]),
    # The flood response (issue 11).
    Target("declare a warning", "leader", lambda w: reverse("hazards:declare"),
           lambda w: {"warning": "red", "scope": "river", "river": str(w["rivers"]["xiaotaihou"].pk), "note": "Rising"},
           ids=["warning", "response_level", "scope", "river", "town"], texts=["note"]),
    Target("tick a checklist action", "leader", lambda w: reverse("hazards:action-tick", args=[w["action"].pk]),
           lambda w: {"done": "on", "note": "Two teams out"}, texts=["note"]),
    Target("enter evacuation counts", "admin", lambda w: reverse("hazards:evacuation", args=[w["evacuation"].pk]),
           counts_data, numbers=["moved", "vulnerable_moved", "to_relatives", "returned", "vehicles", "version"]),
    Target("enter evacuation counts through a call's link", "engineer",
           lambda w: reverse("hazards:call-out-evacuation", args=[w["call"].token, w["evacuation"].pk]), counts_data,
           numbers=["moved", "returned", "version"]),
    Target("name a responsible person", "admin", lambda w: reverse("hazards:person-create"), person_data,
           numbers=["places-1-start_m", "places-1-end_m"],
           ids=["user", "places-0-role", "places-0-season", "places-1-river", "places-0-village", "places-0-work_order"],
           texts=["name", "unit", "mobile", "backup_phone", "email", "trained_on", "note", "places-0-hazard"]),
    Target("import responsible persons", "admin", lambda w: reverse("hazards:people-import"), people_file_token,
           texts=["token"]),
    Target("record an obstruction owner", "inspector", lambda w: reverse("hazards:hazard-owner", args=[w["culvert"].code]),
           lambda w: {"name": "A building-materials firm", "contact": "139 0000 0001", "notice_date": "2026-05-01",
                      "notice_deadline": "2026-05-31", "forced_clearance": "on", "cost_recovered": "12000.50"},
           numbers=["cost_recovered"], texts=["name", "contact", "notice_date", "notice_deadline", "note"]),
    Target("plan a duty shift", "leader", lambda w: reverse("hazards:shift-create"),
           lambda w: {"starts_at": "2026-07-28T08:00", "ends_at": "2026-07-29T08:00",
                      "leader": str(w["cast"]["leader"].pk), "staff": [str(w["cast"]["inspector"].pk)]},
           ids=["leader", "staff"], texts=["starts_at", "ends_at"]),
    Target("add to the duty log", "leader", lambda w: reverse("hazards:duty-log"),
           lambda w: {"kind": "event", "what": "A call from Baimiao", "handled": "Patrol sent"},
           ids=["kind"], texts=["what", "handled", "at"]),
    Target("enter a gauge reading", "inspector", lambda w: reverse("hazards:gauge-reading"),
           lambda w: {"gauge": str(w["gauge"].pk), "observed_at": "2026-07-28T20:00", "value": "24.8"},
           ids=["gauge"], numbers=["value"], texts=["observed_at"]),
    Target("import gauge readings", "inspector", lambda w: reverse("hazards:gauge-import"), readings_file),
    Target("notification settings", "engineer", lambda w: reverse("hazards:notification-settings"),
           lambda w: {"events": ["assigned", "overdue"], "channels": ["email", "sms", "robot"],
                      "email": "engineer@example.cn", "phone": "138 0000 0102", "robot_kind": "dingtalk",
                      "robot_url": "https://oapi.dingtalk.com/robot/send?access_token=abc", "robot_secret": "SECabc"},
           ids=["events", "channels", "robot_kind"], texts=["email", "phone", "robot_url", "robot_secret"]),
]


def cases(target):
    """(field, value) for every hostile value of every field of the target; a pair of fields for coordinates."""
    for name in target.numbers:
        for value in hostile.NUMBERS:
            yield name, value
    for name in target.ids:
        for value in hostile.IDS:
            yield name, value
    for name in target.texts:
        for value in hostile.TEXT_REFUSED:
            yield name, value
    for name in target.lines:
        for value in hostile.DRAWN_LINES:
            yield name, value
    for lat, lon in [target.coordinates] if target.coordinates else []:
        for lat_value, lon_value in hostile.COORDINATES:
            yield (lat, lon), (lat_value, lon_value)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_hostile_values_in_every_field_change_nothing(target, world, client_as, settings):
    client = client_as(target.role)
    client.raise_request_exception = False  # a 500 is one failure among the others, not the end of the test
    url = target.url(world)
    failures = []
    for name, value in cases(target):
        data = target.data(world)
        if isinstance(name, tuple):
            data.update(dict(zip(name, value)))
        else:
            data[name] = value
        before = hostile.database_state(), hostile.media_state(settings.MEDIA_ROOT)
        response = client.post(url, data)
        after = hostile.database_state(), hostile.media_state(settings.MEDIA_ROOT)
        if response.status_code >= 500 or response.status_code in target.accepted or before != after:
            failures.append(f"{name}={str(value)[:40]!r}: {response.status_code}, changed={before != after}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("target", [t for t in TARGETS if t.photos], ids=lambda t: t.name)
def test_files_that_are_not_photos_change_nothing(target, world, client_as, settings):
    client = client_as(target.role)
    client.raise_request_exception = False
    failures = []
    for label, bad in hostile.bad_uploads():
        for files in ([bad], [hostile.good_upload("a.jpg"), bad, hostile.good_upload("b.jpg")]):
            for f in files:
                f.seek(0)
            data = target.data(world)
            data[target.photos] = files if target.photos == "photos" else bad
            before = hostile.database_state(), hostile.media_state(settings.MEDIA_ROOT)
            response = client.post(target.url(world), data)
            after = hostile.database_state(), hostile.media_state(settings.MEDIA_ROOT)
            if response.status_code >= 500 or response.status_code in target.accepted or before != after:
                failures.append(f"{label} among {len(files)}: {response.status_code}, changed={before != after}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_the_valid_submission_behind_each_case_is_accepted(target, world, client_as):
    """Without the hostile value, each submission goes through: the refusals above are the values' doing."""
    before = hostile.database_state()
    response = client_as(target.role).post(target.url(world), target.data(world))
    assert response.status_code in target.accepted, response.content.decode()[:3000]
    assert hostile.database_state() != before


def test_a_path_traversal_name_on_a_real_photo_is_stored_under_a_name_of_ours(world, client_as, settings):
    data = hazard_data(world, photos=[hostile.upload("../../../floodwatch/settings.jpg", hostile.jpeg_bytes())])
    assert client_as("inspector").post(reverse("hazards:create"), data).status_code == 302
    stored = [name for name, _ in hostile.media_state(settings.MEDIA_ROOT)]
    assert stored and all(name.startswith(("photos/", "thumbnails/")) and "settings" not in name for name in stored)


QUERIES = {  # GET endpoints and the query parameters they read
    "hazards:api-hazards": ["river", "status", "risk_level", "kind", "bbox", "town", "min_risk", "open", "overdue"],
    "hazards:api-work-orders": ["river", "status", "overdue", "unit", "reach"],
    "hazards:api-coverage": ["days"],
    "hazards:api-plans": ["plan"],
    "hazards:risk-list-csv": ["river", "bbox", "tour", "code", "min_risk", "open"],
    "hazards:list": ["sort", "page", "river", "bbox", "town", "open"],
    "hazards:map": ["river", "bbox"],
    "hazards:work-orders": ["river", "status", "overdue", "unit", "reach", "page", "due_within", "responsible_unit"],
    "hazards:patrols": ["days"],
    "hazards:ogc-items collection=hazards": ["limit", "offset", "bbox", "datetime", "river", "risk_level", "status", "f"],
    "hazards:ogc-items collection=patrol-coverage": ["days", "river", "bbox", "limit"],
    "hazards:ogc-item collection=hazards,feature_id=XTH-001": ["f"],
    "hazards:citizen-reports": ["show"],
    "hazards:readiness": ["river", "show"],
    "hazards:dashboard": ["river", "show"],  # reads none: still never a 500
    "hazards:declare": ["alert"],
    "hazards:response": ["river"],
}
QUERY_VALUES = hostile.IDS + hostile.NUMBERS + hostile.BBOXES + hostile.TEXT_REFUSED[1:] + hostile.TEXT_ESCAPED


@pytest.mark.parametrize("page", QUERIES)
def test_hostile_query_parameters_get_an_answer_not_a_500(page, world, client_as):
    client = client_as("leader")
    client.raise_request_exception = False
    failures = []
    url_name, _, args = page.partition(" ")
    url = reverse(url_name, kwargs=dict(arg.split("=") for arg in args.split(",")) if args else None)
    for name in QUERIES[page]:
        for value in QUERY_VALUES:
            response = client.get(url, {name: value})
            if response.status_code >= 500:
                failures.append(f"{name}={value[:40]!r}")
        # A parameter given as a dict or repeated with different shapes.
        for query in (f"{name}[a]=1&{name}[b]=2", f"{name}=1&{name}=x&{name}=", f"{name}"):
            if client.get(f"{url}?{query}").status_code >= 500:
                failures.append(query)
    assert not failures, "\n".join(failures)


def test_invalid_utf8_in_a_form_or_a_query_is_refused(world, client_as):
    client = client_as("inspector")
    response = client.generic("POST", reverse("hazards:create"), b"title=%FF%FEbad&kind=debris",
                              content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert client.get(reverse("hazards:api-hazards") + "?river=%FF%FE").status_code == 400


OPEN311_QUERIES = ["service_request_id", "service_code", "start_date", "end_date", "status"]


@pytest.mark.parametrize("path", ["requests.json", "requests.xml", "requests/1.json", "services/x.xml", "services.json"])
def test_hostile_open311_queries_get_an_answer_not_a_500(path, world):
    from django.test import Client

    client = Client(raise_request_exception=False)
    failures = []
    for name in OPEN311_QUERIES + ["api_key"]:
        for value in QUERY_VALUES:
            query = {"api_key": world["open311_key"], name: value}
            if client.get(f"/open311/v2/{path}", query).status_code >= 500:
                failures.append(f"{name}={value[:40]!r}")
    for request_id in hostile.IDS + ["1,2", "../1", "1.json"]:
        if client.get(f"/open311/v2/requests/{request_id}.xml", {"api_key": world["open311_key"]}).status_code >= 500:
            failures.append(f"request {request_id!r}")
    assert not failures, "\n".join(failures)
