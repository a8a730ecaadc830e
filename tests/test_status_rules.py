"""Hazard statuses follow work orders and cannot be lost or forged; every write is locked and versioned.

Issue 8, defects 4 to 8: an inspector's edit cannot put back or forge a status
that work orders set, stale edits are refused with the current state shown,
accepted orders are final, suspended orders take no progress, and concurrent
writers leave the hazard in the status its orders give it.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.urls import reverse

from hazards import services
from hazards.models import Hazard, StaleVersion, WorkOrder

from .conftest import jpeg, make_hazard


@pytest.fixture
def pylon(rivers):
    return make_hazard(rivers["xiaotaihou"], 3500, kind="pylon", in_main_channel=True, blockage_pct=30)


@pytest.fixture
def order(pylon, cast):
    order = services.work_order_save(order=WorkOrder(title="Move the pylon", kind="relocate", hazard=pylon),
                                     user=cast["admin"], engineers=[cast["engineer"]])
    return order


def edit_data(hazard, **changes):
    """What the edit form posts for a hazard, as the inspector saw it (its version included)."""
    data = {
        "title": hazard.title, "kind": hazard.kind, "blockage_pct": hazard.blockage_pct,
        "in_main_channel": "on" if hazard.in_main_channel else "", "status": hazard.status,
        "latitude": hazard.location.y, "longitude": hazard.location.x, "river": hazard.river_id,
        "responsible_unit": hazard.responsible_unit, "description": hazard.description, "version": hazard.version,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def progress(order, user, percent, note=""):
    order.refresh_from_db()
    return services.progress_update_create(order_id=order.pk, user=user, percent=percent, note=note,
                                           version=order.version)


def complete_and_accept(order, cast):
    progress(order, cast["engineer"], 100)
    order.refresh_from_db()
    services.work_order_accept(order_id=order.pk, user=cast["inspector"], photo=jpeg(), version=order.version)
    order.refresh_from_db()


# Defect 4: statuses that follow from work orders are not form fields

def test_an_edit_saved_after_progress_keeps_the_status_the_work_gave(client_as, order, cast):
    pylon = order.hazard
    pylon.refresh_from_db()
    seen = edit_data(pylon, title="Pylon, fenced off")  # the inspector opened the form while it was planned
    progress(order, cast["engineer"], 40)
    response = client_as("inspector").post(reverse("hazards:edit", args=[pylon.code]), seen)
    assert response.status_code == 302
    pylon.refresh_from_db()
    assert (pylon.title, pylon.status) == ("Pylon, fenced off", "in_progress")


def test_the_edit_form_offers_no_status_while_work_orders_count(client_as, order):
    response = client_as("inspector").get(reverse("hazards:edit", args=[order.hazard.code]))
    assert "status" not in response.context["form"].fields
    assert "(follows its work orders)" in response.content.decode()


def test_an_inspector_cannot_set_cleared_without_an_accepted_order(client_as, pylon):
    response = client_as("inspector").post(reverse("hazards:edit", args=[pylon.code]),
                                           edit_data(pylon, status="cleared"))
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["status"])
    pylon.refresh_from_db()
    assert pylon.status == "reported"


def test_an_inspector_confirms_or_closes_a_hazard_without_work_orders(client_as, pylon):
    client = client_as("inspector")
    assert client.post(reverse("hazards:edit", args=[pylon.code]), edit_data(pylon, status="confirmed")).status_code == 302
    pylon.refresh_from_db()
    assert pylon.status == "confirmed"
    assert client.post(reverse("hazards:edit", args=[pylon.code]), edit_data(pylon, status="closed")).status_code == 302
    pylon.refresh_from_db()
    assert pylon.status == "closed"


def test_a_closed_hazard_follows_a_new_work_order(pylon, cast):
    pylon.status = "closed"
    services.hazard_save(hazard=pylon, user=cast["inspector"], version=pylon.version, status_chosen=True)
    order = services.work_order_save(order=WorkOrder(title="Remove it after all", kind="remove", hazard=pylon),
                                     user=cast["admin"], engineers=[cast["engineer"]])
    pylon.refresh_from_db()
    assert pylon.status == "planned"
    progress(order, cast["engineer"], 30)
    pylon.refresh_from_db()
    assert pylon.status == "in_progress"


def test_a_stale_hazard_edit_is_refused_with_the_current_state_shown(client_as, pylon):
    seen = pylon.version
    first = client_as("inspector").post(reverse("hazards:edit", args=[pylon.code]),
                                        edit_data(pylon, title="铺外路涵管", version=seen))
    assert first.status_code == 302
    second = client_as("admin").post(reverse("hazards:edit", args=[pylon.code]),
                                     edit_data(pylon, title="Second inspector's title", version=seen))
    assert second.status_code == 409
    page = second.content.decode()
    assert "Someone else changed this hazard while you were editing it" in page
    assert "铺外路涵管" in page  # the current state
    assert 'value="Second inspector&#x27;s title"' in page  # and what the second one typed, kept
    assert second.context["form"].data["version"] == seen + 1
    pylon.refresh_from_db()
    assert (pylon.title, pylon.version) == ("铺外路涵管", seen + 1)


def test_a_status_change_from_orders_does_not_make_an_inspector_s_edit_stale(client_as, order, cast):
    pylon = order.hazard
    pylon.refresh_from_db()
    seen = edit_data(pylon, description="Fenced")
    progress(order, cast["engineer"], 10)  # moves the hazard to in progress
    assert client_as("inspector").post(reverse("hazards:edit", args=[pylon.code]), seen).status_code == 302


def test_two_saves_from_one_version_cannot_both_succeed(pylon):
    first, second = Hazard.objects.get(pk=pylon.pk), Hazard.objects.get(pk=pylon.pk)
    first.title = "First"
    first.save()
    second.title = "Second"
    with pytest.raises(StaleVersion) as raised, transaction.atomic():
        second.save()
    assert raised.value.current.title == "First"
    pylon.refresh_from_db()
    assert (pylon.title, pylon.version) == ("First", 2)


# Defect 5: work-order edits from the admin and the order form go through the versioned service

def test_a_stale_order_form_is_refused_and_keeps_what_was_typed(client_as, order, cast):
    url = reverse("hazards:work-order-edit", args=[order.pk])
    data = {"title": "Move the pylon 30 m east", "kind": "relocate", "hazard": order.hazard.pk, "deadline": "2027-06-01",
            "status": "planned", "engineers": [cast["engineer"].pk], "version": order.version}
    progress(order, cast["engineer"], 20)
    response = client_as("admin").post(url, data)
    assert response.status_code == 409
    assert "Someone else updated this order while you were working: it is now at 20 %" in response.content.decode()
    assert 'value="Move the pylon 30 m east"' in response.content.decode()
    order.refresh_from_db()
    assert (order.title, order.progress_pct, order.status) == ("Move the pylon", 20, "in_progress")


def admin_change(order, cast, **changes):
    data = {
        "title": order.title, "kind": order.kind, "hazard": order.hazard_id, "responsible_unit": "", "contractor": "",
        "engineers": [cast["engineer"].pk], "deadline": "2027-06-01", "status": order.status, "suspended_reason": "",
        "progress_pct": order.progress_pct, "seen_version": order.version,
        "updates-TOTAL_FORMS": "0", "updates-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_a_stale_admin_site_change_is_refused(client_as, order, cast):
    url = reverse("admin:hazards_workorder_change", args=[order.pk])
    stale = admin_change(order, cast, contractor="State Grid")
    progress(order, cast["engineer"], 50)
    response = client_as("admin").post(url, stale)
    assert response.status_code == 200
    assert "Someone else changed this while you were editing it" in response.content.decode()
    order.refresh_from_db()
    assert (order.contractor, order.progress_pct) == ("", 50)


def test_an_admin_site_change_moves_the_version_on_by_one_in_the_database(client_as, order, cast):
    before = order.version
    url = reverse("admin:hazards_workorder_change", args=[order.pk])
    assert client_as("admin").post(url, admin_change(order, cast, contractor="State Grid")).status_code == 302
    order.refresh_from_db()
    assert (order.contractor, order.version) == ("State Grid", before + 1)
    assert list(order.history.values_list("version", flat=True)[:2]) == [before + 1, before]


def test_every_saved_state_of_an_order_has_its_own_version(order, cast):
    progress(order, cast["engineer"], 10)
    progress(order, cast["engineer"], 20)
    order.refresh_from_db()
    order.contractor = "State Grid"
    services.work_order_save(order=order, user=cast["admin"], version=order.version)
    records = list(order.history.all())
    assert len(records) >= 4
    for newer, older in zip(records, records[1:]):
        # Assigning engineers is recorded on its own, without a save of the order; every save moves the version.
        changed = [c.field for c in newer.diff_against(older).changes if c.field not in ("engineers", "updated_at", "version")]
        assert (newer.version != older.version) == bool(changed), (newer.version, older.version, changed)


# Defect 6: an accepted order is final

def test_an_accepted_order_cannot_be_reopened_from_the_order_form(client_as, order, cast):
    complete_and_accept(order, cast)
    response = client_as("admin").post(reverse("hazards:work-order-edit", args=[order.pk]), {
        "title": order.title, "kind": order.kind, "hazard": order.hazard.pk, "deadline": "2027-06-01",
        "status": "planned", "engineers": [cast["engineer"].pk], "version": order.version,
    })
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["status"])
    order.refresh_from_db()
    assert order.status == "accepted"


def test_an_accepted_order_cannot_be_reopened_by_any_path(order, cast):
    complete_and_accept(order, cast)
    order.status = "planned"
    with pytest.raises(ValidationError, match="An accepted order is closed for good"):
        services.work_order_save(order=order, user=cast["admin"], version=order.version)


def test_an_accepted_order_cannot_be_reopened_in_the_admin_site(client_as, order, cast):
    complete_and_accept(order, cast)
    response = client_as("admin").post(reverse("admin:hazards_workorder_change", args=[order.pk]),
                                       admin_change(order, cast, status="planned"))
    assert response.status_code == 200  # the form is shown again with the error, no 500
    order.refresh_from_db()
    assert order.status == "accepted" and order.acceptance


def test_completed_and_accepted_are_never_set_by_hand(order, cast):
    for status in ("completed", "accepted"):
        order.refresh_from_db()
        order.status = status
        with pytest.raises(ValidationError):
            services.work_order_save(order=order, user=cast["admin"], version=order.version)


# Defect 7: progress on a suspended order

def test_progress_on_a_suspended_order_is_refused_and_the_reason_kept(client_as, order, cast):
    order.status, order.suspended_reason = "suspended", "Waiting for the power company"
    services.work_order_save(order=order, user=cast["admin"], version=order.version)
    order.refresh_from_db()
    response = client_as("engineer").post(reverse("hazards:work-order-progress", args=[order.pk]),
                                          {"percent": 30, "version": order.version})
    assert response.status_code == 400
    assert "This order is suspended (Waiting for the power company)" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.suspended_reason, order.progress_pct) == ("suspended", "Waiting for the power company", 0)


# Defect 8: two orders of one hazard updated at once

READS_HAZARD_ORDERS = '"hazards_workorder"."hazard_id" ='


@pytest.mark.django_db(transaction=True)
def test_two_orders_of_one_hazard_changed_at_once_leave_it_in_the_status_both_give(rivers, cast):
    """An interim measure is accepted while an admin suspends the removal under way: together they leave
    the hazard under monitoring. The acceptance pauses right after reading the hazard's orders until the
    suspension has read them too (or 2 s have passed): unless the hazard row is locked, each reads the
    other order as it was, and the hazard stays "in progress"."""
    hazard = make_hazard(rivers["chaobai"], 9000, kind="sediment")
    interim, removal = (
        services.work_order_save(order=WorkOrder(title=title, kind=kind, hazard=hazard), user=cast["admin"],
                                 engineers=[cast["engineer"]])
        for title, kind in (("Warning signs and a standby pump", "interim"), ("Dredge", "dredge"))
    )
    progress(interim, cast["engineer"], 100)
    progress(removal, cast["engineer"], 40)
    first_read, second_read, errors = threading.Event(), threading.Event(), []

    def run(write, read, then_wait_for):
        def watch(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if '"hazards_workorder"."hazard_id" =' in sql and not read.is_set():
                read.set()
                if then_wait_for is not None:
                    then_wait_for.wait(timeout=2)
            return result

        try:
            with connection.execute_wrapper(watch):
                write()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            close_old_connections()

    def accept_interim():
        interim.refresh_from_db()
        services.work_order_accept(order_id=interim.pk, user=cast["inspector"], photo=jpeg(), version=interim.version)

    def suspend_removal():
        removal.refresh_from_db()
        removal.status, removal.suspended_reason = "suspended", "Flood season started"
        services.work_order_save(order=removal, user=cast["admin"], version=removal.version)

    first = threading.Thread(target=run, args=(accept_interim, first_read, second_read))
    second = threading.Thread(target=run, args=(suspend_removal, second_read, None))
    first.start()
    assert first_read.wait(timeout=10)
    second.start()
    first.join()
    second.join()
    assert errors == []
    hazard.refresh_from_db()
    assert hazard.status == "monitoring"
    assert hazard.history.first().status == "monitoring"


def test_a_hazard_whose_only_order_moves_away_falls_back_to_confirmed(order, rivers, cast):
    other = make_hazard(rivers["xiaotaihou"], 5200, kind="culvert")
    order.refresh_from_db()
    order.hazard = other
    services.work_order_save(order=order, user=cast["admin"], version=order.version)
    first = Hazard.objects.get(pk=order.hazard_id)
    left = Hazard.objects.exclude(pk=other.pk).get()
    assert (first.status, left.status) == ("planned", "confirmed")
