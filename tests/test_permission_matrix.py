"""Every URL, for every actor, by GET and by POST, answers as tests/permission_matrix.txt says.

The URLs come from the resolver (admin's included), so a URL without a row in
the matrix fails here: every new feature declares who may use it. The file's
header says how to read and write a row.
"""

import fnmatch
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import LineString, MultiLineString
from django.core.management import call_command
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from hazards import notify, response, services, tiles
from hazards.models import (
    ApiToken,
    CitizenReport,
    Declaration,
    Depot,
    Drill,
    DrillFollowUp,
    DutyShift,
    EvacuationPlan,
    Gauge,
    GaugeReading,
    HazardPhoto,
    ImportRecord,
    Job,
    Notice,
    NotificationSettings,
    Open311Client,
    Patrol,
    RescueTeam,
    Responsibility,
    ResponsiblePerson,
    Robot,
    Tour,
    Village,
    WorkOrder,
)

from .conftest import jpeg, make_hazard

MATRIX = Path(__file__).with_name("permission_matrix.txt")
ACTORS = ("anon", "norole", "insp", "eng", "eng2", "lead", "admin")
USERS = {"norole": "stranger", "insp": "inspector", "eng": "engineer", "eng2": "engineer2", "lead": "leader",
         "admin": "admin"}
METHODS = ("GET", "POST")
OUTCOMES = {"200pg", "200", "201", "400", "401", "403", "404", "405", "409", "302", "login", "adminlogin"}


@dataclass(frozen=True)
class Url:
    key: str  # namespace:name, or the route itself for a URL without a name
    route: str
    name: str | None


@dataclass(frozen=True)
class Row:
    line: int
    key: str  # a URL's key; * and ? match anything (fnmatch)
    args: str
    method: str
    expected: dict


def project_urls():
    """Every URL pattern the project serves, walking into every include."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                route = prefix + str(pattern.pattern)
                name = namespace + pattern.name if pattern.name else None
                yield Url(name or route, route, name)

    return list(walk(get_resolver().url_patterns, "", ""))


def read_matrix():
    rows = []
    for number, text in enumerate(MATRIX.read_text().splitlines(), 1):
        text = text.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        key, args, method, *outcomes = text.split()
        assert method in METHODS and len(outcomes) == len(ACTORS), f"{MATRIX.name} line {number} is not a row: {text}"
        assert set(outcomes) <= OUTCOMES, f"{MATRIX.name} line {number}: unknown outcome in {outcomes}"
        rows.append(Row(number, key, args, method, dict(zip(ACTORS, outcomes))))
    return rows


def row_for(rows, url, method):
    """The first row naming this URL (or a pattern that matches it) and method."""
    return next((row for row in rows if row.method == method and fnmatch.fnmatchcase(url.key, row.key)), None)


def test_every_url_has_a_row_for_get_and_post():
    rows = read_matrix()
    missing = [f"{url.key}  {method}" for url in project_urls() for method in METHODS if not row_for(rows, url, method)]
    assert missing == [], (
        f"URLs without a row in {MATRIX.name} (see its header: say who may use them):\n" + "\n".join(missing))


def test_every_row_is_used_by_some_url():
    urls, rows = project_urls(), read_matrix()
    used = {row_for(rows, url, method).line for url in urls for method in METHODS if row_for(rows, url, method)}
    assert [f"line {row.line}: {row.key} {row.method}" for row in rows if row.line not in used] == []


# The fixture world: one of each object a URL can name, owned as the matrix's header says.

@pytest.fixture
def world(rivers, cast, checklists):
    hazard = make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True, blockage_pct=60)
    photo = HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=hazard)
    order = WorkOrder.objects.create(title="Enlarge the culvert", kind="enlarge_culvert", hazard=hazard)
    order.engineers.add(cast["engineer"])
    river = rivers["xiaotaihou"]
    track = LineString([river.point_at(c, offset_m=20).coords for c in range(1000, 4001, 100)], srid=4326)
    patrol = Patrol(river=river, inspector=cast["inspector"], source="drawn", date=timezone.localdate(),
                    track=MultiLineString(track, srid=4326))
    patrol.save()
    village = Village.objects.get(name_en="Baimiao")
    plan = EvacuationPlan.objects.create(village=village, people_at_risk=100, households_at_risk=40,
                                         trigger_level="orange", reviewed_on=timezone.localdate())
    drill = Drill.objects.create(date=timezone.localdate(), town=village.town, kind="evacuation", scenario="Flood",
                                 organiser="Town", participants=20, duration_minutes=45)
    follow_up = DrillFollowUp.objects.create(drill=drill, action="Clear the culvert", responsible="Works team")
    tour = Tour.objects.create(name="Before the season", created_by=cast["leader"])
    tour.hazards.add(hazard)
    # A good login and then a failed one through the real page, so the login records have rows in the admin.
    Client(REMOTE_ADDR="10.0.0.9").post(reverse("login"), {"username": "leader", "password": "pw-leader"})
    Client(REMOTE_ADDR="10.0.0.9").post(reverse("login"), {"username": "leader", "password": "wrong"})
    call_command("import_hazards", str(settings.BASE_DIR / "tests" / "data" / "水务局碍洪点.gpkg"), skip_bad_rows=True,
                 user="admin", stdout=io.StringIO())
    record = ImportRecord.objects.get()
    span = 2 ** 30 >> tiles.POINTS_ZOOM
    hazard.refresh_from_db()
    token = ApiToken(user=cast["leader"], name="QGIS")
    token.new_key()
    token.save()
    client = Open311Client(name="12345 hotline")
    client.new_key()
    client.save()
    report = services.citizen_report_create(client=client, report=CitizenReport(
        service_code="dumped_spoil", location=river.point_at(1850, offset_m=5), description="Spoil in the river"))
    leader = Client()
    leader.force_login(cast["leader"])
    assert leader.get(reverse("hazards:risk-list-csv") + f"?code={hazard.code}").status_code == 200
    job = Job.objects.get()
    # One task result in the database backend's table, as its worker would keep it.
    DBTaskResult.objects.create(args_kwargs={"args": [job.pk], "kwargs": {}}, task_path="hazards.jobs.run_job",
                                backend_name="default", run_after=get_date_max())
    response = respond(cast, hazard, village)
    notice = notice_to_acknowledge(cast, order)
    return {**response, "notice": notice.token,
        "tz": tiles.POINTS_ZOOM, "tx": hazard.map_x // span, "ty": hazard.map_y // span,
        "hazard": hazard.code, "photo": photo.image.name, "order": order.pk, "patrol": patrol.pk, "plan": plan.pk,
        "drill": drill.pk, "followup": follow_up.pk, "tour": tour.pk, "uid": "MQ", "token": "no-such-token",
        "import": record.pk, "csv": "csv", "xlsx": "xlsx", "gpkg": "gpkg", "job": job.pk,
        "apitoken": token.pk, "report": report.pk, "collection": "hazards", "ext": "json", "service": "dumped_spoil",
        "upload": "00000000-0000-4000-8000-000000000001",
    }


def notice_to_acknowledge(cast, order):
    """An overdue order's notice to its engineer (with its e-mail delivery), a unit's group robot, settings."""
    cast["engineer"].email = "eng@example.cn"
    cast["engineer"].save()
    NotificationSettings.objects.create(user=cast["leader"], events=["digest"], channels=["email"])
    Robot.objects.create(name="Inspectors", kind="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=x",
                         group=Group.objects.get(name="inspector"), events=["red_hazard"])
    return notify.notice(kind=Notice.Kind.OVERDUE, subject=f"Overdue: {order}", body="", user=cast["engineer"],
                         link=order.get_absolute_url(), event=f"overdue:o{order.pk}", needs_ack=True)


def respond(cast, hazard, village):
    """The flood response's objects: a person leading Baimiao's evacuation, a depot, a team, a gauge whose reading
    suggests a warning, a shift that has ended (no one is on duty), and a district orange warning that called them."""
    person = ResponsiblePerson.objects.create(name="Liu", unit="Baimiao village", mobile="13800000101",
                                              email="liu@example.cn")
    Responsibility.objects.create(person=person, role="evacuation", season=response.current_season(), village=village)
    Depot.objects.create(name="Songzhuang depot", location=hazard.location, keeper="Yang")
    team = RescueTeam.objects.create(name="Songzhuang team", size=40, base=hazard.location, contact="Yang")
    team.hazards.add(hazard)
    gauge = Gauge(code="suzhuang", name="Suzhuang dam", kind="water_level", river=hazard.river,
                  location=hazard.location, warning_level_m=25.5)
    gauge.full_clean()
    gauge.save()
    alert = services.gauge_reading_record(reading=GaugeReading(gauge=gauge, observed_at=timezone.now(), value=26))
    now = timezone.now()
    DutyShift.objects.create(starts_at=now - timezone.timedelta(days=2), ends_at=now - timezone.timedelta(days=1),
                             leader=cast["leader"])
    declaration = services.declaration_declare(
        declaration=Declaration(warning="orange", response_level=2, scope="district"), user=cast["leader"])
    return {"declaration": declaration.pk, "action": declaration.actions.first().pk, "person": person.pk,
            "call": declaration.call_outs.get(person=person).token, "alert": alert.pk,
            "evacuation": declaration.evacuations.get(village=village).pk}


def route_kwargs(url):
    return {a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", url.route)}


def admin_kwargs(url):
    """Arguments of an admin URL, from the model it names (admin:<app>_<model>_<view>) and its first object."""
    if "<" not in url.route and "(" not in url.route:
        return {}
    if url.name == "admin:app_list":
        return {"app_label": "hazards"}
    if url.name == "admin:view_on_site":
        hazard = apps.get_model("hazards", "Hazard").objects.first()
        return {"content_type_id": ContentType.objects.get_for_model(hazard).pk, "object_id": hazard.pk}
    if "(?P<url>" in url.route:
        return {"url": "nowhere/"}
    if url.name:  # admin:<app label>_<model>_<view>; app labels may hold underscores (django_tasks_db)
        name = url.name.split(":")[1]
        model = next(m for m in apps.get_models() if name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_"))
    else:
        model = apps.get_model(*url.route.split("/")[1:3])
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"The fixture world has no {model.__name__}: add one so {url.key} can be requested."
    kwargs = {"object_id": obj.pk, "id": obj.pk}
    if hasattr(obj, "history"):
        kwargs["history_id"] = obj.history.first().history_id
    return kwargs


def path_of(url, row, world):
    if row.args == "admin":
        kwargs = admin_kwargs(url)
    elif row.args == "-":
        kwargs = {}
    else:
        kwargs = {name: world[value] for name, value in (arg.split("=") for arg in row.args.split(","))}
    if url.name and url.route.endswith("/history/([^/]+)/$"):  # django-simple-history's, by position
        return reverse(url.name, args=[kwargs["object_id"], kwargs["history_id"]])
    if url.name:
        return reverse(url.name, kwargs={k: v for k, v in kwargs.items() if k in route_kwargs(url)})
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), url.route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m[1]]), path)
    return "/" + path.replace("^", "").replace("$", "")


def expected(outcome):
    """The outcome the matrix writes, on this database."""
    if outcome == "200pg":
        return "200" if connection.vendor == "postgresql" else "404"
    return outcome


def outcome(response):
    """What an actor got: the status, or which login page a redirect sent them to."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(resolve_url(settings.LOGIN_URL) + "?next="):
            return "login"
        if location.startswith(reverse("admin:login") + "?next="):
            return "adminlogin"
    return str(response.status_code)


def sessions(cast):
    """A session cookie for each actor, logged in once (anonymous: none)."""
    cookies = {"anon": None}
    for actor, username in USERS.items():
        client = Client()
        client.force_login(cast[username])
        cookies[actor] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def answer(session, method, path):
    """One request with an empty body, in a savepoint rolled back after it: no request changes the next
    (a deleted tour, a logged-out session)."""
    with transaction.atomic():
        client = Client(raise_request_exception=False)
        if session:
            client.cookies[settings.SESSION_COOKIE_NAME] = session
        response = client.get(path) if method == "GET" else client.post(path)
        transaction.set_rollback(True)
    return outcome(response)


@pytest.mark.parametrize("part", ["admin", "site"])
def test_every_url_answers_every_actor_as_the_matrix_says(world, cast, part):
    cookies = sessions(cast)
    rows = read_matrix()
    wrong = []
    for url in project_urls():
        if url.key.startswith("admin") != (part == "admin"):
            continue
        for method in METHODS:
            row = row_for(rows, url, method)
            path = path_of(url, row, world)
            for actor in ACTORS:
                got = answer(cookies[actor], method, path)
                if got != expected(row.expected[actor]):
                    wrong.append(f"line {row.line}: {method} {path} as {actor}: matrix says {row.expected[actor]}, got {got}")
    assert wrong == [], "\n" + "\n".join(wrong)
