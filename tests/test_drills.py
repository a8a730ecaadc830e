"""Recording drills, and turning a follow-up action into a clearance work order."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hazards.models import Drill, DrillFollowUp, Village, WorkOrder

from .conftest import jpeg, make_hazard


@pytest.fixture
def villages(rivers):
    return {v.name_en: v for v in Village.objects.select_related("town")}


def formset(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def drill_data(**fields):
    data = {
        "date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(), "kind": "sandbag",
        "scenario": "Embankment seepage at K12", "organiser": "Songzhuang flood office", "participants": "45",
        "duration_minutes": "120", "problems": "Sandbags stored too far from the embankment.",
        **formset("follow_ups", [{"action": "Move the sandbag store to the embankment", "responsible": "Town works team",
                                  "due": "2027-05-15"}, {"action": "", "responsible": "", "due": ""}]),
    }
    data.update(fields)
    return data


def form_errors(response):
    return " ".join(str(e) for errs in response.context["form"].errors.values() for e in errs)


def test_an_inspector_records_a_drill_of_two_villages_with_a_photo_and_a_follow_up(villages, client_as):
    baimiao, shiguzhuang = villages["Baimiao"], villages["Shiguzhuang"]
    response = client_as("inspector").post(reverse("hazards:drill-create"), drill_data(
        villages=[baimiao.pk, shiguzhuang.pk], photos=[jpeg()]))
    drill = Drill.objects.get()
    assert response.status_code == 302 and response["Location"] == drill.get_absolute_url()
    assert drill.town == baimiao.town  # from the villages
    assert set(drill.villages.all()) == {baimiao, shiguzhuang} and drill.photos.count() == 1
    assert [f.action for f in drill.follow_ups.all()] == ["Move the sandbag store to the embankment"]
    assert drill.recorded_by.username == "inspector" and drill.history.exists()


def test_a_drill_of_a_whole_town_names_the_town(villages, client_as):
    town = villages["Kouzi"].town
    client = client_as("inspector")
    assert "Choose the town, or the villages that took part." in form_errors(
        client.post(reverse("hazards:drill-create"), drill_data()))
    client.post(reverse("hazards:drill-create"), drill_data(town=town.pk))
    assert Drill.objects.get().town == town and not Drill.objects.get().villages.exists()


def test_villages_of_two_towns_are_not_one_drill(villages, client_as):
    response = client_as("inspector").post(reverse("hazards:drill-create"), drill_data(
        villages=[villages["Baimiao"].pk, villages["Kouzi"].pk], photos=[jpeg()]))
    assert "A drill is held in one town: these villages lie in 2 towns." in form_errors(response)
    assert not Drill.objects.exists() and not DrillFollowUp.objects.exists()


def test_a_drill_in_the_future_or_with_a_broken_photo_saves_nothing(villages, client_as):
    client = client_as("inspector")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "this date is in the future" in form_errors(client.post(reverse("hazards:drill-create"), drill_data(
        date=tomorrow, villages=[villages["Kouzi"].pk])))
    broken = SimpleUploadedFile("drill.jpg", b"\xff\xd8 not really", content_type="image/jpeg")
    assert "is not a photo we can read" in form_errors(client.post(reverse("hazards:drill-create"), drill_data(
        villages=[villages["Kouzi"].pk], photos=[broken])))
    assert not Drill.objects.exists()


@pytest.mark.parametrize("role", ["engineer", "leader"])
def test_only_inspectors_record_drills_and_everyone_reads_them(villages, client_as, role):
    client = client_as(role)
    assert client.post(reverse("hazards:drill-create"), drill_data(villages=[villages["Kouzi"].pk])).status_code == 403
    assert client.get(reverse("hazards:drills")).status_code == 200


@pytest.fixture
def follow_up(villages, cast):
    drill = Drill.objects.create(date=timezone.localdate(), town=villages["Kouzi"].town, kind="pumping",
                                 scenario="Waterlogging at the culvert", organiser="Taihu", participants=20,
                                 duration_minutes=45)
    return DrillFollowUp.objects.create(drill=drill, action="Clear the culvert inlet before the season",
                                        responsible="Taihu town works team")


def test_an_admin_turns_a_follow_up_into_a_work_order(follow_up, rivers, client_as):
    culvert = make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True)
    client = client_as("admin")
    url = reverse("hazards:follow-up-work-order", args=[follow_up.pk])
    page = client.get(url).content.decode()
    assert "Clear the culvert inlet before the season" in page  # the title, filled in
    response = client.post(url, {"title": "Clear the culvert inlet", "kind": "remove", "hazard": culvert.pk,
                                 "responsible_unit": "Taihu", "deadline": "2027-05-20"})
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    follow_up.refresh_from_db()
    assert follow_up.work_order == order and order.hazard == culvert and order.created_by.username == "admin"
    assert order.deadline == datetime.date(2027, 5, 20) and order.history.count() == 1
    drill_page = client.get(follow_up.drill.get_absolute_url()).content.decode()
    assert f"#{order.pk}" in drill_page and "Make a work order" not in drill_page
    client.post(url, {"title": "Again", "kind": "remove", "hazard": culvert.pk, "deadline": "2027-05-20"})
    assert WorkOrder.objects.count() == 1


def test_a_work_order_needs_a_hazard_or_a_reach_and_nothing_is_written_without(follow_up, client_as):
    response = client_as("admin").post(reverse("hazards:follow-up-work-order", args=[follow_up.pk]),
                                       {"title": "Dredge", "kind": "dredge", "deadline": "2027-05-20"})
    assert "Choose a hazard, or a river with the chainages" in form_errors(response)
    assert not WorkOrder.objects.exists()
    follow_up.refresh_from_db()
    assert follow_up.work_order is None


@pytest.mark.parametrize("role", ["inspector", "engineer", "leader"])
def test_only_admins_create_work_orders_as_everywhere(follow_up, client_as, role):
    url = reverse("hazards:follow-up-work-order", args=[follow_up.pk])
    assert client_as(role).get(url).status_code == 403
    assert "Make a work order" not in client_as(role).get(follow_up.drill.get_absolute_url()).content.decode()
