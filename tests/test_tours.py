"""Inspection tours: a leader saves a set of stops, reopens it, and prints it again in driving order."""

import pytest
from django.urls import reverse

from hazards.models import Tour

from .conftest import make_hazard
from .reports import codes_in, pdf_pages

NEW = reverse("hazards:tour-create")


@pytest.fixture
def stops(rivers):
    cb, xth = rivers["chaobai"], rivers["xiaotaihou"]
    return {
        "pylon": make_hazard(xth, 3500, kind="pylon", in_main_channel=True, blockage_pct=20),
        "culvert": make_hazard(xth, 1800, kind="culvert", in_main_channel=True, blockage_pct=60),
        "pier": make_hazard(cb, 24000, kind="bridge_pier", in_main_channel=True, blockage_pct=35),
        "sand": make_hazard(cb, 16500, kind="sediment", blockage_pct=10),
    }


def save_tour(client, stops, names, name="汛前拉练检查"):
    return client.post(NEW, {"name": name, "note": "区领导带队", "hazards": [stops[n].code for n in names]})


def test_a_leader_saves_a_tour_and_finds_it_again(client_as, stops, cast):
    client = client_as("leader")
    response = save_tour(client, stops, ["pylon", "pier", "culvert"])
    tour = Tour.objects.get()
    assert response.status_code == 302 and response["Location"] == tour.get_absolute_url()
    assert tour.created_by == cast["leader"]
    assert sorted(tour.hazards.values_list("code", flat=True)) == sorted(stops[n].code for n in ("pylon", "pier", "culvert"))
    listing = client.get(reverse("hazards:tours")).content.decode()
    assert "汛前拉练检查" in listing and f"?tour={tour.pk}" in listing


def test_a_tour_reopens_with_its_stops_river_by_river_upstream_to_downstream(client_as, stops):
    client = client_as("leader")
    save_tour(client, stops, ["pylon", "sand", "culvert", "pier"])
    tour = Tour.objects.get()
    assert [h.code for h in tour.stops()] == [stops[n].code for n in ("sand", "pier", "culvert", "pylon")]
    page = client.get(tour.get_absolute_url())
    assert page.status_code == 200
    assert page.context["map_config"]["selected"] == [stops[n].code for n in ("sand", "pier", "culvert", "pylon")]


def test_a_saved_tour_prints_again_in_driving_order_with_todays_data(client_as, stops):
    client = client_as("leader")
    save_tour(client, stops, ["pylon", "culvert", "pier"])
    tour = Tour.objects.get()
    stops["pylon"].status = "cleared"
    stops["pylon"].save()
    response = client.get(reverse("hazards:risk-list-pdf") + f"?tour={tour.pk}")
    assert response.status_code == 200
    pages = pdf_pages(response.content)
    text = "".join(pages)
    assert codes_in(text) == [stops[n].code for n in ("pier", "culvert", "pylon")]
    assert "汛前拉练检查" in pages[0]
    csv = client.get(reverse("hazards:risk-list-csv") + f"?tour={tour.pk}").content.decode()
    assert codes_in(csv) == [stops[n].code for n in ("pier", "culvert", "pylon")]


def test_a_tour_needs_a_name_and_a_stop(client_as, stops):
    response = client_as("leader").post(NEW, {"name": "", "hazards": []})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "hazards"}
    assert not Tour.objects.exists()


def test_an_unknown_stop_is_refused(client_as, stops):
    response = client_as("leader").post(NEW, {"name": "x", "hazards": ["XTH-999"]})
    assert response.status_code == 200 and "hazards" in response.context["form"].errors


def test_only_leaders_and_admins_plan_tours(client_as, stops):
    assert client_as("inspector").get(NEW).status_code == 403
    assert save_tour(client_as("engineer"), stops, ["pylon"]).status_code == 403
    assert client_as("leader").get(NEW).status_code == 200
    assert client_as("admin").get(NEW).status_code == 200


def test_every_role_reads_and_prints_a_tour_but_only_its_author_or_an_admin_changes_it(client, client_as, stops, cast):
    save_tour(client_as("leader"), stops, ["pylon"])
    tour = Tour.objects.get()
    other = client_as("inspector")
    assert other.get(tour.get_absolute_url()).status_code == 200
    assert other.get(reverse("hazards:risk-list-pdf") + f"?tour={tour.pk}").status_code == 200
    assert other.post(tour.get_absolute_url(), {"name": "mine now", "hazards": [stops["pier"].code]}).status_code == 403
    assert other.post(reverse("hazards:tour-delete", args=[tour.pk])).status_code == 403
    tour.refresh_from_db()
    assert tour.name == "汛前拉练检查"
    admin = client_as("admin")
    assert admin.post(tour.get_absolute_url(), {"name": "改期", "hazards": [stops["pier"].code]}).status_code == 302
    tour.refresh_from_db()
    assert tour.name == "改期" and list(tour.hazards.values_list("code", flat=True)) == [stops["pier"].code]


def test_the_author_deletes_a_tour(client_as, stops):
    client = client_as("leader")
    save_tour(client, stops, ["pylon"])
    tour = Tour.objects.get()
    assert client.get(reverse("hazards:tour-delete", args=[tour.pk])).status_code == 405
    assert client.post(reverse("hazards:tour-delete", args=[tour.pk])).status_code == 302
    assert not Tour.objects.exists()


def test_anonymous_users_are_sent_to_login_unknown_tours_are_404_and_non_ids_400(client, client_as, stops):
    response = client.get(reverse("hazards:tours"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    leader = client_as("leader")
    assert leader.get(reverse("hazards:tour", args=[999])).status_code == 404
    assert leader.get(reverse("hazards:risk-list-pdf") + "?tour=999").status_code == 404
    assert leader.get(reverse("hazards:risk-list-pdf") + "?tour=abc").status_code == 400


def test_the_presets_name_the_open_red_and_orange_hazards_of_each_river(client_as, stops):
    presets = client_as("leader").get(NEW).context["map_config"]["presets"]
    queries = [preset["query"] for preset in presets]
    assert "river=xiaotaihou&min_risk=high&open=true" in queries
    assert "river=chaobai&min_risk=high&open=true" in queries
