"""Each role's access to each page: anonymous users go to login, others get 403."""

import pytest
from django.urls import reverse

from .conftest import make_hazard

READ_PAGES = ["hazards:map", "hazards:list"]


@pytest.fixture
def hazard(rivers):
    return make_hazard(rivers["xiaotaihou"], 1800)


@pytest.mark.parametrize("page", READ_PAGES + ["hazards:create"])
def test_anonymous_users_are_sent_to_login(client, page, rivers):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("role", ["inspector", "engineer", "leader", "admin"])
@pytest.mark.parametrize("page", READ_PAGES)
def test_every_role_reads_the_map_and_the_list(client_as, role, page, rivers):
    assert client_as(role).get(reverse(page)).status_code == 200


@pytest.mark.parametrize("role", ["inspector", "engineer", "leader", "admin"])
def test_every_role_reads_a_hazard(client_as, role, hazard):
    response = client_as(role).get(hazard.get_absolute_url())
    assert response.status_code == 200
    assert hazard.code in response.content.decode()


def test_a_user_without_a_role_sees_nothing(client_as, hazard):
    client = client_as("stranger")
    assert client.get(reverse("hazards:map")).status_code == 403
    assert client.get(hazard.get_absolute_url()).status_code == 403
    assert client.get(reverse("hazards:api-hazards")).status_code == 403


@pytest.mark.parametrize("role, status", [("inspector", 200), ("admin", 200), ("engineer", 403), ("leader", 403)])
def test_only_inspectors_and_admins_get_the_report_form(client_as, role, status, rivers):
    assert client_as(role).get(reverse("hazards:create")).status_code == status


@pytest.mark.parametrize("role, status", [("inspector", 200), ("admin", 200), ("engineer", 403), ("leader", 403)])
def test_only_inspectors_and_admins_edit(client_as, role, status, hazard):
    assert client_as(role).get(reverse("hazards:edit", args=[hazard.code])).status_code == status


def test_an_engineer_cannot_post_a_hazard_either(client_as, rivers):
    response = client_as("engineer").post(reverse("hazards:create"), {"title": "x", "kind": "debris"})
    assert response.status_code == 403


def test_the_report_link_is_shown_only_to_those_who_may_report(client_as, rivers):
    assert reverse("hazards:create") in client_as("inspector").get(reverse("hazards:map")).content.decode()
    assert reverse("hazards:create") not in client_as("leader").get(reverse("hazards:map")).content.decode()


def test_the_admin_site_has_a_map_widget_for_hazards(client_as, hazard):
    response = client_as("admin").get(reverse("admin:hazards_hazard_change", args=[hazard.pk]))
    assert response.status_code == 200
    assert "leaflet" in response.content.decode().lower()


def test_an_edit_keeps_the_code_and_moves_the_chainage(client_as, hazard, rivers):
    point = rivers["xiaotaihou"].point_at(2500, offset_m=5)
    response = client_as("inspector").post(reverse("hazards:edit", args=[hazard.code]), {
        "title": "Moved", "kind": "debris", "blockage_pct": "5", "status": "confirmed",
        "latitude": point.y, "longitude": point.x,
    })
    assert response.status_code == 302
    code = hazard.code
    hazard.refresh_from_db()
    assert (hazard.code, hazard.title, hazard.chainage) == (code, "Moved", "K2+500")


def test_photos_are_served_only_to_users_with_a_role(client, client_as, rivers):
    from hazards.models import HazardPhoto

    from .conftest import jpeg

    photo = HazardPhoto.from_upload(jpeg(), None, hazard=make_hazard(rivers["chaobai"], 9000))
    url = photo.image.url
    client.logout()
    assert client.get(url).status_code == 302
    assert client_as("stranger").get(url).status_code == 403
    assert client_as("leader").get(url).status_code == 200
    assert client_as("leader").get("/media/../floodwatch/settings.py").status_code in (400, 404)


def test_the_filter_bars_offer_open_and_overdue_as_boxes_to_tick(client_as, rivers):
    client = client_as("leader")
    for page in (reverse("hazards:map"), reverse("hazards:work-orders") + "?overdue=true"):
        html = client.get(page).content.decode()
        assert 'type="checkbox" name="overdue" value="true"' in " ".join(html.split())
    assert 'name="overdue" value="true" checked' in " ".join(html.split())


def test_an_upload_named_like_a_page_is_stored_and_served_as_an_image(client_as, rivers):
    from hazards.models import HazardPhoto

    from .conftest import jpeg

    upload = jpeg()
    upload.name = "evil.html"
    photo = HazardPhoto.from_upload(upload, None, hazard=make_hazard(rivers["chaobai"], 9000))
    assert photo.image.name.endswith(".jpg")
    response = client_as("leader").get(photo.image.url)
    assert response["Content-Type"] == "image/jpeg"
    assert "sandbox" in response["Content-Security-Policy"] and response["X-Content-Type-Options"] == "nosniff"
