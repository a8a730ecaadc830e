"""Evacuation plans: written with contacts, shelters and routes; checked; drawn on the map."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from hazards.models import EvacuationPlan, EvacuationRoute, PlanContact, Shelter, Village

from .test_drills import formset

BAIMIAO = (116.770, 39.935)
HALL = (116.755, 39.937)


@pytest.fixture
def baimiao(rivers):
    return Village.objects.get(name_en="Baimiao")


def route(*points):
    return json.dumps({"type": "LineString", "coordinates": [list(p) for p in points]})


def plan_data(village, shelters=None, routes=None, **fields):
    data = {
        "village": village.pk, "people_at_risk": "1260", "households_at_risk": "430", "vulnerable_people": "86",
        "vulnerable_note": "Paired with village cadres", "trigger_level": "orange",
        "reviewed_on": timezone.localdate().isoformat(),
        **formset("contacts", [{"name": "Liu Jianguo", "duty": "Party secretary", "phone": "13800000101"}]),
        **formset("shelters", shelters if shelters is not None else [
            {"name": "Village hall", "capacity": "500", "latitude": str(HALL[1]), "longitude": str(HALL[0])}]),
        **formset("routes", routes if routes is not None else [{"name": "To the hall", "line": route(BAIMIAO, HALL)}]),
    }
    data.update(fields)
    return data


def errors(response):
    messages = [str(e) for errs in response.context["form"].errors.values() for e in errs]
    for name in ("contacts", "shelters", "routes"):
        for form in response.context[name]:
            messages += [str(e) for errs in form.errors.values() for e in errs]
    return " ".join(messages)


def test_an_inspector_writes_a_plan_with_a_contact_a_shelter_and_a_route(baimiao, client_as):
    response = client_as("inspector").post(reverse("hazards:plan-create"), plan_data(baimiao))
    plan = EvacuationPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert (plan.village, plan.people_at_risk, plan.trigger_level) == (baimiao, 1260, "orange")
    assert plan.is_current() and plan.updated_by.username == "inspector"
    shelter, = plan.shelters.all()
    assert (shelter.name, shelter.capacity) == ("Village hall", 500)
    assert shelter.location.coords == pytest.approx(HALL)
    assert plan.routes.get().length_m == pytest.approx(1300, rel=0.05)
    assert plan.contacts.get().phone == "13800000101"
    assert plan.too_few_places  # 500 places for 1260 people
    assert "fewer than the 1260 people at risk" in client_as("leader").get(plan.get_absolute_url()).content.decode()


def test_a_shelter_outside_the_district_saves_nothing(baimiao, client_as):
    response = client_as("inspector").post(reverse("hazards:plan-create"), plan_data(baimiao, shelters=[
        {"name": "Far away", "capacity": "50", "latitude": "31.23", "longitude": "121.47"}]))
    assert "The shelter must be in Tongzhou district." in errors(response)
    assert not EvacuationPlan.objects.exists() and not Shelter.objects.exists() and not PlanContact.objects.exists()


def test_a_route_must_be_drawn(baimiao, client_as):
    response = client_as("inspector").post(reverse("hazards:plan-create"), plan_data(
        baimiao, routes=[{"name": "To the hall", "line": ""}]))
    assert "Draw the route on the map." in errors(response)
    assert not EvacuationPlan.objects.exists() and not EvacuationRoute.objects.exists()


def test_the_numbers_must_add_up(baimiao, client_as):
    response = client_as("inspector").post(reverse("hazards:plan-create"), plan_data(
        baimiao, households_at_risk="2000", vulnerable_people="5000"))
    message = errors(response)
    assert "There cannot be more households than people at risk." in message
    assert "The vulnerable people are counted among the people at risk." in message
    assert not EvacuationPlan.objects.exists()


def test_a_village_has_one_plan(baimiao, client_as):
    client = client_as("inspector")
    client.post(reverse("hazards:plan-create"), plan_data(baimiao))
    response = client.post(reverse("hazards:plan-create"), plan_data(baimiao))
    assert response.status_code == 200 and "village" in response.context["form"].errors
    assert EvacuationPlan.objects.count() == 1


def test_editing_a_plan_can_remove_a_shelter_and_keeps_history(baimiao, client_as):
    client = client_as("inspector")
    client.post(reverse("hazards:plan-create"), plan_data(baimiao))
    plan = EvacuationPlan.objects.get()
    shelter, old_route, contact = plan.shelters.get(), plan.routes.get(), plan.contacts.get()
    data = plan_data(baimiao, people_at_risk="1300")
    data.update(formset("contacts", [{"id": contact.pk, "name": contact.name, "phone": contact.phone}], initial=1))
    data.update(formset("shelters", [{"id": shelter.pk, "name": "Hall", "capacity": "500", "latitude": str(HALL[1]),
                                      "longitude": str(HALL[0]), "DELETE": "on"}], initial=1))
    data.update(formset("routes", [{"id": old_route.pk, "name": "To the hall", "line": route(BAIMIAO, HALL)}], initial=1))
    response = client.post(reverse("hazards:plan-edit", args=[plan.pk]), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.people_at_risk == 1300 and not plan.shelters.exists() and plan.routes.count() == 1
    assert [h.people_at_risk for h in plan.history.order_by("history_date")] == [1260, 1300]


@pytest.mark.parametrize("role", ["engineer", "leader"])
def test_only_inspectors_write_plans(baimiao, client_as, role):
    client = client_as(role)
    assert client.post(reverse("hazards:plan-create"), plan_data(baimiao)).status_code == 403
    assert not EvacuationPlan.objects.exists()
    assert client.get(reverse("hazards:plans")).status_code == 200


def test_the_plans_layer_holds_shelters_and_routes(baimiao, client_as):
    client_as("inspector").post(reverse("hazards:plan-create"), plan_data(baimiao))
    plan = EvacuationPlan.objects.get()
    data = json.loads(client_as("leader").get(reverse("hazards:api-plans")).content)
    kinds = sorted((f["properties"]["layer"], f["geometry"]["type"]) for f in data["features"])
    assert kinds == [("route", "LineString"), ("shelter", "Point")]
    shelter = next(f["properties"] for f in data["features"] if f["properties"]["layer"] == "shelter")
    assert shelter["capacity"] == 500 and shelter["url"] == plan.get_absolute_url()
    one = json.loads(client_as("leader").get(reverse("hazards:api-plans") + f"?plan={plan.pk + 1}").content)
    assert one["features"] == []
    assert client_as("leader").get(reverse("hazards:api-plans") + "?plan=x").status_code == 400
