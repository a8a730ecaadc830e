"""Gauges: a reading over a threshold suggests a warning to the person on duty (never declares one) and marks its
stretch on the map; readings by hand or from CSV. Duty: the roster, the log, and who is on duty on every page."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hazards import services
from hazards.models import Declaration, DutyLogEntry, Gauge, GaugeAlert, GaugeReading, Notice

from .flood import declare


@pytest.fixture
def gauges(flood):
    dam = Gauge(code="suzhuang-dam", name="Suzhuang rubber dam", kind="water_level", river=flood.chaobai,
                location=flood.chaobai.point_at(2500, 40), alert_level_m=24.5, warning_level_m=25.5,
                guaranteed_level_m=27.0)
    rain = Gauge(code="taihu-rain", name="Taihu rain", kind="rain", river=flood.xiaotaihou,
                 location=flood.xiaotaihou.point_at(2500, 300), rain_1h_mm=30, rain_3h_mm=50)
    for gauge in (dam, rain):
        gauge.full_clean()
        gauge.save()
    return {"dam": dam, "rain": rain}


def read(gauge, value, minutes_ago=0):
    at = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=minutes_ago)
    return services.gauge_reading_record(reading=GaugeReading(gauge=gauge, observed_at=at, value=value))


def test_a_reading_over_the_warning_level_suggests_a_yellow_warning_to_the_people_on_duty_and_declares_nothing(
        gauges, flood, client_as):
    dam = gauges["dam"]
    assert dam.stretch == "K0+500–K4+500"  # 2 km either side of the gauge, when not given
    assert read(dam, 24.1, minutes_ago=60) is None  # under every threshold
    alert = read(dam, 25.72)
    assert (alert.suggested, alert.threshold) == ("yellow", "warning level")
    assert not Declaration.objects.exists()
    told = Notice.objects.filter(kind=Notice.Kind.GAUGE)
    assert sorted(notice.user.username for notice in told) == ["inspector", "leader"]  # the shift under way
    assert DutyLogEntry.objects.filter(what__contains="Suzhuang rubber dam").exists()
    board = client_as("inspector").get(reverse("hazards:response")).content.decode()
    assert "Suzhuang rubber dam is over its warning level: a Yellow warning is suggested." in board
    assert f"?alert={alert.pk}" in board
    stretch = client_as("inspector").get(reverse("hazards:response")).context["map_config"]["gauges"][0]
    assert stretch["threshold"] == "warning level" and json.loads(stretch["stretch"])["type"] == "LineString"


def test_a_suggestion_is_raised_once_per_level_until_someone_acts(gauges, flood):
    dam = gauges["dam"]
    assert read(dam, 25.6, minutes_ago=30).suggested == "yellow"
    assert read(dam, 25.9, minutes_ago=20) is None  # still yellow: already suggested
    assert read(dam, 27.1, minutes_ago=10).suggested == "orange"  # the guaranteed level: a higher one
    assert GaugeAlert.objects.filter(closed_at=None).count() == 2


def test_declaring_from_a_suggestion_closes_it_and_names_the_gauge(gauges, flood, client_as):
    alert = read(gauges["dam"], 27.2)
    client = client_as("inspector")
    form = client.get(reverse("hazards:declare") + f"?alert={alert.pk}").content.decode()
    assert 'value="orange" checked' in form or 'value="orange" selected' in form
    response = client.post(reverse("hazards:declare") + f"?alert={alert.pk}",
                           {"warning": "orange", "scope": "river", "river": flood.chaobai.pk})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.closed_by == flood.cast["inspector"] and alert.declaration == Declaration.objects.get()


def test_rain_over_three_hours_counts_the_hours_before(gauges, flood):
    rain = gauges["rain"]
    assert read(rain, 20, minutes_ago=120) is None and read(rain, 20, minutes_ago=60) is None
    assert read(rain, 15).threshold == "rain in 3 hours"  # 55 mm in three hours, no hour over 30


def csv_file(text, name="readings.csv"):
    return SimpleUploadedFile(name, text.encode("gb18030"))


def test_readings_come_in_from_a_csv_file_all_or_nothing(gauges, flood, client_as):
    client = client_as("inspector")
    good = "苏庄橡胶坝水位\n站码,时间,水位\nsuzhuang-dam,2026-07-28 12:00,25.31\nsuzhuang-dam,2026-07-28 20:00,25.72\n"
    response = client.post(reverse("hazards:gauge-import"), {"file": csv_file(good)})
    assert response.status_code == 302
    assert list(GaugeReading.objects.order_by("observed_at").values_list("value", flat=True)) == [25.31, 25.72]
    # The first over the alert level, the second over the warning level: each suggests its own.
    assert list(GaugeAlert.objects.order_by("id").values_list("suggested", flat=True)) == ["blue", "yellow"]
    again = client.post(reverse("hazards:gauge-import"), {"file": csv_file(good)}, follow=True).content.decode()
    assert "0 readings imported, 2 already recorded" in again
    bad = "站码,时间,水位\nsuzhuang-dam,2026-07-29 00:00,26.14\nno-such,2026-07-29 01:00,26\n" \
          "suzhuang-dam,tomorrow,26\nsuzhuang-dam,2026-07-29 02:00,9999\n"
    response = client.post(reverse("hazards:gauge-import"), {"file": csv_file(bad)})
    page = response.content.decode()
    assert response.status_code == 400 and "nothing was imported" in page
    for expected in ("No gauge is called “no-such”", "“tomorrow” is not a time", "between -50.0 and 2000.0 m"):
        assert expected in page
    assert GaugeReading.objects.count() == 2


def test_a_reading_by_hand_out_of_range_or_in_the_future_is_refused(gauges, flood, client_as):
    client = client_as("inspector")
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    for data, message in (({"value": "2500", "observed_at": "2026-07-28T20:00"}, "A reading of this gauge lies"),
                          ({"value": "25", "observed_at": future}, "The time is in the future.")):
        response = client.post(reverse("hazards:gauge-reading"), {"gauge": gauges["dam"].pk, **data})
        assert response.status_code == 400 and message in response.content.decode()
    assert not GaugeReading.objects.exists()


def test_during_a_response_every_page_shows_who_is_on_duty(flood, client_as):
    client = client_as("engineer")
    assert 'id="response-bar"' not in client.get(reverse("hazards:list")).content.decode()
    declare(flood)
    for url in (reverse("hazards:list"), reverse("hazards:work-orders"), reverse("hazards:readiness")):
        bar = client.get(url).content.decode().split('id="response-bar"')[1].split("</div>")[0]
        assert "Chaobai River · Orange warning · Level II" in bar
        assert "On duty: Leader (leader on duty), Inspector" in " ".join(bar.split())


def test_the_duty_log_takes_what_came_in_and_how_it_was_handled(flood, client_as):
    response = client_as("inspector").post(reverse("hazards:duty-log"), {
        "kind": "event", "what": "12345: water over the road at Baimiao", "handled": "Zhou sent the patrol"})
    assert response.status_code == 302
    entry = DutyLogEntry.objects.get(what__startswith="12345")
    assert entry.recorded_by == flood.cast["inspector"] and entry.shift == flood.shift
    assert client_as("engineer").post(reverse("hazards:duty-log"), {"what": "x"}).status_code == 403
    page = client_as("engineer").get(reverse("hazards:duty")).content.decode()
    assert "Zhou sent the patrol" in page


def test_a_leader_plans_a_shift(flood, client_as):
    start = timezone.localtime() + datetime.timedelta(days=1)
    response = client_as("leader").post(reverse("hazards:shift-create"), {
        "starts_at": start.strftime("%Y-%m-%dT08:00"), "ends_at": (start + datetime.timedelta(days=1)).strftime(
            "%Y-%m-%dT08:00"), "leader": flood.cast["admin"].pk, "staff": [flood.cast["inspector"].pk]})
    assert response.status_code == 302
    backwards = client_as("leader").post(reverse("hazards:shift-create"), {
        "starts_at": "2026-07-29T08:00", "ends_at": "2026-07-28T08:00", "leader": flood.cast["admin"].pk})
    assert backwards.status_code == 400 and "A shift ends after it starts." in backwards.content.decode()


def test_an_urgent_hotline_report_goes_to_the_people_on_duty(flood, client_as):
    from hazards.models import CitizenReport, Open311Client

    hotline = Open311Client(name="12345 hotline")
    hotline.new_key()
    hotline.save()
    report = services.citizen_report_create(client=hotline, report=CitizenReport(
        service_code="flood_danger", location=flood.chaobai.point_at(12000, 20), description="Water at the houses"))
    assert report.routed_to == "duty"
    assert {u.username for u in services.citizen_report_route(report)} == {"leader", "inspector"}  # the shift
    told = Notice.objects.filter(kind=Notice.Kind.HOTLINE, user=flood.cast["inspector"])
    assert told.exists() and told.first().link.endswith(report.get_absolute_url())
    assert DutyLogEntry.objects.filter(what__contains="12345").exists()
    # The inspector on duty sees the urgent badge an inspector off duty does not.
    assert 'class="badge urgent"' in client_as("inspector").get(reverse("hazards:map")).content.decode()
    flood.shift.delete()
    assert {u.username for u in services.citizen_report_route(report)} == {"admin", "leader"}  # nobody on duty
