"""Evacuations under way: started by a warning that triggers a village's plan, counted by its lead from a phone,
totalled for the district on the board."""

from django.urls import reverse

from hazards.models import CallOut, Evacuation, ShelterOccupancy

from .flood import declare


def counts(evacuation, **values):
    data = {"moved": 0, "vulnerable_moved": 0, "to_relatives": 0, "returned": 0, "vehicles": 0,
            "version": evacuation.version}
    data.update(values)
    return data


def shelters(flood, hall, gym):
    return {f"shelter_{flood.hall.pk}": hall, f"shelter_{flood.gym.pk}": gym}


def test_an_orange_warning_starts_the_evacuations_of_the_plans_it_triggers_with_their_people_to_move(flood, client_as):
    declare(flood, warning="orange")
    evacuation = Evacuation.objects.get(ended_at=None)
    assert (evacuation.village, evacuation.to_move, evacuation.vulnerable_to_move) == (flood.baimiao, 150, 12)
    assert not Evacuation.objects.filter(village=flood.shiguzhuang).exists()  # its plan waits for red
    page = client_as("engineer").get(reverse("hazards:response")).content.decode()
    assert "0 of 150 moved" in page and "Baimiao" in page.split('id="evacuations"')[1]


def test_a_village_lead_enters_120_of_150_moved_from_the_link_and_the_district_total_follows(flood, client, client_as):
    declaration = declare(flood)
    call = CallOut.objects.get(declaration=declaration, person=flood.people["lead"])
    evacuation = Evacuation.objects.get(ended_at=None)
    link = reverse("hazards:call-out-confirm", args=[call.token])
    page = client.get(link).content.decode()  # a phone, no password
    entry = reverse("hazards:call-out-evacuation", args=[call.token, evacuation.pk])
    assert entry in page and "0 of 150 moved" in page
    response = client.post(entry, counts(evacuation, moved=120, vulnerable_moved=12, to_relatives=15, vehicles=4,
                                         **shelters(flood, 70, 35)))
    assert response.status_code == 302 and response["Location"] == link
    evacuation.refresh_from_db()
    assert (evacuation.moved, evacuation.vulnerable_moved, evacuation.updated_by) == (120, 12, "Lead")
    assert dict(ShelterOccupancy.objects.values_list("shelter__name", "people")) == {"Village hall": 70, "School gym": 35}
    board = client_as("leader").get(reverse("hazards:response")).content.decode()
    assert "120 of 150 moved" in board and "Village hall: 70 / 100" in board
    state = client_as("leader").get(reverse("hazards:response-state")).json()
    assert state["totals"] == {"moved": 120, "to_move": 150, "percent": 80, "text": "120 of 150 moved"}
    assert state["evacuations"][str(evacuation.pk)]["moved"] == 120


def test_counts_that_do_not_add_up_are_refused_and_nothing_is_saved(flood, client_as):
    declare(flood)
    evacuation = Evacuation.objects.get(ended_at=None)
    client = client_as("admin")
    url = reverse("hazards:evacuation", args=[evacuation.pk])
    for bad, message in (({"moved": 50, "vulnerable_moved": 60}, "counted among the people moved"),
                         ({"moved": 50, "returned": 60}, "More people returned than were moved"),
                         ({"moved": 50, **shelters(flood, 40, 20)}, "60 people are in shelters or with relatives")):
        response = client.post(url, counts(evacuation, **bad))
        assert response.status_code == 400 and message in response.content.decode()
    evacuation.refresh_from_db()
    assert evacuation.moved == 0 and not ShelterOccupancy.objects.exists()


def test_two_leads_typing_at_once_lose_nothing(flood, client_as):
    declare(flood)
    evacuation = Evacuation.objects.get(ended_at=None)
    seen = counts(evacuation, moved=100)
    url = reverse("hazards:evacuation", args=[evacuation.pk])
    assert client_as("admin").post(url, seen).status_code == 302
    late = client_as("inspector").post(url, {**seen, "moved": 90})  # on duty, from the page loaded before
    assert late.status_code == 409 and "now has 100 moved" in late.content.decode()
    evacuation.refresh_from_db()
    assert evacuation.moved == 100


def test_the_lead_of_a_village_enters_its_counts_and_no_one_else_without_duty(flood, client):
    declare(flood)
    evacuation = Evacuation.objects.get(ended_at=None)
    url = reverse("hazards:evacuation", args=[evacuation.pk])
    client.force_login(flood.lead_user)  # a Floodwatch user with no role, named evacuation lead of Baimiao
    assert client.get(url).status_code == 200
    assert client.post(url, counts(evacuation, moved=10)).status_code == 302
    client.force_login(flood.cast["engineer"])
    assert client.get(url).status_code == 403
    # Another person's link does not open Baimiao's counts.
    zhou = CallOut.objects.get(person=flood.people["zhou"])
    assert client.get(reverse("hazards:call-out-evacuation", args=[zhou.token, evacuation.pk])).status_code == 404


def test_standing_down_ends_the_evacuations_and_their_totals_stay_on_the_warnings_page(flood, client_as):
    declaration = declare(flood)
    evacuation = Evacuation.objects.get(ended_at=None)
    client_as("admin").post(reverse("hazards:evacuation", args=[evacuation.pk]),
                            counts(evacuation, moved=140, returned=140, **shelters(flood, 90, 50)))
    assert client_as("leader").post(reverse("hazards:declaration-end", args=[declaration.pk])).status_code == 302
    assert not Evacuation.objects.filter(ended_at=None).exists()
    page = client_as("engineer").get(declaration.get_absolute_url()).content.decode()
    assert "140 of 150 moved" in page and "returned: 140" in page
    assert "0 of 0 moved" in client_as("engineer").get(reverse("hazards:response")).content.decode()


def test_raising_the_warning_carries_the_evacuations_under_way_over(flood):
    declare(flood, warning="orange")
    red = declare(flood, warning="red")
    assert set(Evacuation.objects.filter(ended_at=None).values_list("village__name_en", "declaration")) == {
        ("Baimiao", red.pk), ("Shiguzhuang", red.pk)}
