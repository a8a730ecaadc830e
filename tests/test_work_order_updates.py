"""No lost updates (stale versions, concurrent writers) and a history row for every path."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from hazards import services
from hazards.models import Hazard, WorkOrder

from .conftest import make_hazard


@pytest.fixture
def order(rivers, cast):
    hazard = make_hazard(rivers["xiaotaihou"], 3500, kind="pylon", in_main_channel=True, blockage_pct=30)
    order = WorkOrder.objects.create(title="Move the pylon", kind="relocate", hazard=hazard)
    order.engineers.add(cast["engineer"], cast["engineer2"])
    return order


def test_an_update_made_against_a_stale_version_is_refused_on_the_page(client_as, order):
    seen = order.version  # both engineers opened the page at this version
    url = reverse("hazards:work-order-progress", args=[order.pk])
    assert client_as("engineer").post(url, {"percent": 40, "version": seen}).status_code == 302
    response = client_as("engineer2").post(url, {"percent": 30, "note": "Foundation poured", "version": seen})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else updated this order while you were working: it is now at 40 %" in page
    assert "Foundation poured" in page  # what engineer2 typed is still in the form
    order.refresh_from_db()
    assert (order.progress_pct, order.updates.count()) == (40, 1)


def test_an_update_made_against_a_stale_version_gets_409_with_the_current_state_in_the_api(client_as, order):
    seen = order.version
    url = reverse("hazards:api-work-order-progress", args=[order.pk])
    first = client_as("engineer").post(url, {"percent": 40, "version": seen})
    assert first.status_code == 201 and first.json()["properties"]["progress_pct"] == 40
    second = client_as("engineer2").post(url, {"percent": 30, "version": seen})
    assert second.status_code == 409
    body = second.json()
    assert body["current"]["progress_pct"] == 40 and body["current"]["version"] == seen + 1
    assert "it is now at 40 %" in body["error"]


@pytest.mark.django_db(transaction=True)
def test_several_engineers_posting_at_once_lose_nothing(rivers, cast):
    hazard = make_hazard(rivers["chaobai"], 9000, kind="sediment")
    order = WorkOrder.objects.create(title="Dredge", kind="dredge", hazard=hazard)
    writers = [cast["engineer"], cast["engineer2"], cast["admin"], cast["engineer"]]
    per_writer, errors = 5, []

    def write(user):
        try:
            done = 0
            while done < per_writer:
                current = WorkOrder.objects.get(pk=order.pk)
                try:
                    services.progress_update_create(
                        order_id=order.pk, user=user, percent=current.progress_pct + 1, version=current.version
                    )
                    done += 1
                except services.StaleVersion:
                    pass  # someone got there first: read again, as a person would
        except Exception as error:  # e.g. "database is locked"
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(user,)) for user in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    order.refresh_from_db()
    total = len(writers) * per_writer
    assert order.updates.count() == total
    assert order.progress_pct == total  # each update built on the one before
    assert order.version == 1 + total
    assert sorted(order.updates.values_list("percent", flat=True)) == list(range(1, total + 1))


def test_a_page_edit_of_a_hazard_is_in_its_history_with_who_and_what(client_as, order, cast):
    hazard = order.hazard
    point = hazard.location
    client_as("inspector").post(reverse("hazards:edit", args=[hazard.code]), {
        "title": "Pylon moved 10 m", "kind": "pylon", "blockage_pct": "25", "status": hazard.status,
        "in_main_channel": "on", "latitude": point.y, "longitude": point.x,
    })
    latest = hazard.history.first()
    assert latest.history_user == cast["inspector"] and latest.title == "Pylon moved 10 m"
    page = client_as("leader").get(hazard.get_absolute_url()).content.decode()
    assert "Pylon moved 10 m" in page and "25" in page


def test_a_progress_post_through_the_api_is_in_the_order_s_history(client_as, order, cast):
    client_as("engineer").post(reverse("hazards:api-work-order-progress", args=[order.pk]),
                               {"percent": 15, "version": order.version})
    latest = order.history.first()
    assert (latest.history_user, latest.progress_pct) == (cast["engineer"], 15)
    hazard_latest = order.hazard.history.first()
    assert (hazard_latest.history_user, hazard_latest.status) == (cast["engineer"], "in_progress")


def test_an_admin_site_change_is_in_the_history(client_as, order, cast):
    url = reverse("admin:hazards_workorder_change", args=[order.pk])
    response = client_as("admin").post(url, {
        "title": "Move the pylon east", "kind": "relocate", "hazard": order.hazard.pk, "responsible_unit": "",
        "contractor": "State Grid", "engineers": [cast["engineer"].pk], "deadline": "2027-06-01",
        "status": "planned", "suspended_reason": "", "progress_pct": "0", "seen_version": order.version,
        "updates-TOTAL_FORMS": "0", "updates-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = order.history.first()
    assert (latest.history_user, latest.contractor) == (cast["admin"], "State Grid")


def test_the_demo_import_writes_history_naming_its_users(db, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", verbosity=0)
    culvert = WorkOrder.objects.get(title="口子村铺外路涵管扩挖改造")
    users = set(culvert.history.values_list("history_user__username", flat=True))
    assert {"admin", "engineer"} <= users
    assert Hazard.history.filter(history_type="+").count() == Hazard.objects.count()


def test_the_order_page_shows_its_history(client_as, order, cast):
    order.refresh_from_db()
    services.progress_update_create(order_id=order.pk, user=cast["engineer"], percent=35, version=order.version)
    page = client_as("leader").get(order.get_absolute_url()).content.decode()
    assert "0 → 35" in page


def test_after_a_conflict_the_photo_is_kept_and_sending_again_saves_it(client_as, order):
    from .conftest import jpeg

    seen = order.version
    url = reverse("hazards:work-order-progress", args=[order.pk])
    client_as("engineer").post(url, {"percent": 40, "version": seen})
    response = client_as("engineer2").post(url, {"percent": 45, "note": "Tower base done", "version": seen,
                                                  "photos": [jpeg()]})
    assert response.status_code == 409
    form = response.context["progress_form"]
    assert form.kept_count == 1 and int(form.data["version"]) == seen + 1

    again = client_as("engineer2").post(url, {"percent": 45, "note": "Tower base done", "version": form.data["version"],
                                               "kept_photos": form.data["kept_photos"]})
    assert again.status_code == 302
    order.refresh_from_db()
    assert order.progress_pct == 45 and order.updates.first().photos.count() == 1
