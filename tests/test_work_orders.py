"""Clearance works: who may do what, progress rules, acceptance, overdue, and what follows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hazards import geo, services
from hazards.models import WorkOrder

from .conftest import jpeg, make_hazard


@pytest.fixture
def culvert(rivers):
    return make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True, blockage_pct=60)


@pytest.fixture
def order(culvert, cast):
    order = WorkOrder.objects.create(title="Enlarge the culvert", kind="enlarge_culvert", hazard=culvert)
    order.engineers.add(cast["engineer"])
    return order


def post_progress(client, order, percent, note="", version=None, **extra):
    data = {"percent": percent, "note": note, "version": order.version if version is None else version}
    data.update(extra)
    return client.post(reverse("hazards:work-order-progress", args=[order.pk]), data)


def report(order, user, percent, note=""):
    order.refresh_from_db()
    return services.progress_update_create(order_id=order.pk, user=user, percent=percent, note=note, version=order.version)


# Who may do what

def test_the_assigned_engineer_reports_progress(client_as, order):
    response = post_progress(client_as("engineer"), order, 60, "Half the pipe is out", photos=[jpeg()])
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.progress_pct, order.status) == (60, "in_progress")
    assert order.updates.get().photos.count() == 1


def test_another_engineer_gets_403_and_nothing_changes(client_as, order):
    assert post_progress(client_as("engineer2"), order, 60).status_code == 403
    assert client_as("engineer2").post(
        reverse("hazards:api-work-order-progress", args=[order.pk]), {"percent": 60, "version": order.version}
    ).status_code == 403
    order.refresh_from_db()
    assert (order.progress_pct, order.updates.count()) == (0, 0)


@pytest.mark.parametrize("role", ["leader", "inspector"])
def test_leaders_and_inspectors_read_orders_but_do_not_report_progress(client_as, order, role):
    client = client_as(role)
    assert client.get(order.get_absolute_url()).status_code == 200
    assert client.get(reverse("hazards:work-orders")).status_code == 200
    assert post_progress(client, order, 10).status_code == 403


@pytest.mark.parametrize("role, status", [("admin", 200), ("engineer", 403), ("leader", 403), ("inspector", 403)])
def test_only_admins_create_and_assign_orders(client_as, role, status, rivers):
    assert client_as(role).get(reverse("hazards:work-order-create")).status_code == status


def test_an_admin_creates_a_reach_order_and_assigns_engineers(client_as, cast, rivers):
    response = client_as("admin").post(reverse("hazards:work-order-create"), {
        "title": "Dredge Songzhuang reach", "kind": "dredge", "river": rivers["chaobai"].pk,
        "start_chainage_m": "14000", "end_chainage_m": "18500", "engineers": [cast["engineer"].pk],
        "deadline": "2027-06-01", "status": "planned",
    })
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.place == "K14+000–K18+500" and list(order.engineers.all()) == [cast["engineer"]]


def test_a_reach_outside_the_river_is_refused(client_as, rivers):
    response = client_as("admin").post(reverse("hazards:work-order-create"), {
        "title": "Too long", "kind": "dredge", "river": rivers["xiaotaihou"].pk,
        "start_chainage_m": "0", "end_chainage_m": "90000", "deadline": "2027-06-01", "status": "planned",
    })
    assert "The reach must lie within the river" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_reach_that_starts_where_it_ends_is_refused(client_as, rivers):
    # It would be a point, and vanish from the map.
    response = client_as("admin").post(reverse("hazards:work-order-create"), {
        "title": "Dredge nothing", "kind": "dredge", "river": rivers["chaobai"].pk,
        "start_chainage_m": "5000", "end_chainage_m": "5000.0", "deadline": "2027-06-01", "status": "planned",
    })
    assert response.status_code == 200
    assert "The reach must run from one chainage to another; these are the same." in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_stretch_of_no_length_is_never_drawn(rivers):
    with pytest.raises(ValueError, match="no length"):
        geo.reach(rivers["chaobai"].centerline, 5000, 5000)


def test_my_work_orders_lists_only_mine_by_deadline(client_as, order, cast, culvert):
    later = WorkOrder.objects.create(title="Later", kind="remove", hazard=culvert, deadline=datetime.date(2027, 7, 1))
    sooner = WorkOrder.objects.create(title="Sooner", kind="remove", hazard=culvert, deadline=datetime.date(2026, 12, 1))
    later.engineers.add(cast["engineer"])
    sooner.engineers.add(cast["engineer"])
    WorkOrder.objects.create(title="Someone else's", kind="remove", hazard=culvert).engineers.add(cast["engineer2"])
    page = client_as("engineer").get(reverse("hazards:my-work-orders")).content.decode()
    assert "Someone else" not in page
    assert page.index("Sooner") < page.index("Enlarge the culvert") < page.index("Later")


# Progress rules

def test_progress_stays_between_0_and_100(client_as, order):
    response = post_progress(client_as("engineer"), order, 101)
    assert response.status_code == 400
    assert order.updates.count() == 0


def test_progress_never_goes_down_without_a_reason(client_as, order, cast):
    report(order, cast["engineer"], 70)
    order.refresh_from_db()
    response = post_progress(client_as("engineer"), order, 50)
    assert response.status_code == 400
    assert "Progress goes down from 70 % to 50 %: say why in the note." in response.content.decode()
    response = post_progress(client_as("engineer"), order, 50, note="Part of the new pipe failed its pressure test")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.progress_pct == 50


def test_a_hundred_percent_completes_the_order(order, cast):
    report(order, cast["engineer"], 100)
    order.refresh_from_db()
    assert order.status == "completed"


# What follows: the hazard's status

def test_the_hazard_follows_its_orders_from_planned_to_cleared(client_as, cast, culvert):
    admin = client_as("admin")
    admin.post(reverse("hazards:work-order-create"), {
        "title": "Remove", "kind": "remove", "hazard": culvert.pk, "engineers": [cast["engineer"].pk],
        "deadline": "2027-06-01", "status": "planned",
    })
    order = WorkOrder.objects.get()
    culvert.refresh_from_db()
    assert culvert.status == "planned"
    report(order, cast["engineer"], 30)
    culvert.refresh_from_db()
    assert culvert.status == "in_progress"
    report(order, cast["engineer"], 100)
    culvert.refresh_from_db()
    assert culvert.status == "in_progress"  # not cleared until accepted
    services.work_order_accept(order_id=order.pk, user=cast["inspector"], photo=jpeg())
    culvert.refresh_from_db()
    assert culvert.status == "cleared"


def test_an_accepted_interim_measure_leaves_the_hazard_monitored(cast, culvert):
    order = WorkOrder.objects.create(title="Warning signs and a standby pump", kind="interim", hazard=culvert)
    order.engineers.add(cast["engineer"])
    report(order, cast["engineer"], 100)
    services.work_order_accept(order_id=order.pk, user=cast["inspector"], photo=jpeg())
    culvert.refresh_from_db()
    assert (culvert.status, culvert.interim_measure) == ("monitoring", "Warning signs and a standby pump")


# Acceptance (复核销号)

def test_an_inspector_accepts_a_completed_order_with_a_photo(client_as, order, cast):
    report(order, cast["engineer"], 100)
    order.refresh_from_db()
    response = client_as("inspector").post(reverse("hazards:work-order-accept", args=[order.pk]), {
        "note": "Checked on site", "photo": jpeg(), "version": order.version,
    })
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "accepted" and order.acceptance.accepted_by == cast["inspector"]
    assert order.acceptance.photos.count() == 1


def test_acceptance_needs_a_photo(client_as, order, cast):
    report(order, cast["engineer"], 100)
    order.refresh_from_db()
    response = client_as("inspector").post(reverse("hazards:work-order-accept", args=[order.pk]), {"version": order.version})
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "completed"


def test_whoever_did_the_work_cannot_accept_it(order, cast):
    from django.core.exceptions import ValidationError

    order.engineers.add(cast["admin"])  # an admin who worked on it may not sign it off
    report(order, cast["admin"], 100)
    with pytest.raises(ValidationError, match="someone who did not work on this order"):
        services.work_order_accept(order_id=order.pk, user=cast["admin"], photo=jpeg())


def test_an_unfinished_order_cannot_be_accepted(client_as, order, cast):
    report(order, cast["engineer"], 80)
    order.refresh_from_db()
    response = client_as("inspector").post(reverse("hazards:work-order-accept", args=[order.pk]), {
        "photo": jpeg(), "version": order.version,
    })
    assert "Only a completed order can be accepted." in response.content.decode()


@pytest.mark.parametrize("role", ["engineer", "leader"])
def test_engineers_and_leaders_cannot_accept(client_as, order, cast, role):
    report(order, cast["engineer"], 100)
    order.refresh_from_db()
    response = client_as(role).post(reverse("hazards:work-order-accept", args=[order.pk]), {
        "photo": jpeg(), "version": order.version,
    })
    assert response.status_code == 403


def test_an_accepted_order_takes_no_more_progress(client_as, order, cast):
    report(order, cast["engineer"], 100)
    services.work_order_accept(order_id=order.pk, user=cast["inspector"], photo=jpeg())
    order.refresh_from_db()
    response = post_progress(client_as("engineer"), order, 90, note="oops")
    assert "accepted and is closed" in response.content.decode()


# Deadlines

def test_the_deadline_defaults_to_the_start_of_the_flood_season(culvert):
    order = WorkOrder.objects.create(title="x", kind="remove", hazard=culvert)
    today = timezone.localdate()
    assert (order.deadline.month, order.deadline.day) == (6, 1) and order.deadline >= today
    assert (order.deadline - today).days <= 366


def test_an_order_past_its_deadline_and_not_done_is_overdue_everywhere(client_as, order, cast):
    order.deadline = timezone.localdate() - datetime.timedelta(days=3)
    order.save()
    assert order.is_overdue
    for url in (order.get_absolute_url(), reverse("hazards:work-orders"), order.hazard.get_absolute_url(),
                reverse("hazards:my-work-orders")):
        assert "overdue by 3 days" in client_as("engineer").get(url).content.decode(), url
    api = client_as("leader").get(reverse("hazards:api-work-orders") + "?overdue=true").json()
    assert [f["properties"]["id"] for f in api["features"]] == [order.pk]
    popup = client_as("leader").get(reverse("hazards:api-hazard", args=[order.hazard.code])).json()
    assert popup["properties"]["orders"][0]["overdue"] is True

    report(order, cast["engineer"], 100)
    order.refresh_from_db()
    assert not order.is_overdue
    assert client_as("leader").get(reverse("hazards:api-work-orders") + "?overdue=true").json()["features"] == []


def test_the_work_order_list_filters(client_as, order, rivers):
    reach = WorkOrder.objects.create(title="Cut grass", kind="cut_vegetation", river=rivers["chaobai"],
                                     start_chainage_m=100, end_chainage_m=900, responsible_unit="宋庄镇政府")
    client = client_as("leader")
    api = reverse("hazards:api-work-orders")

    def ids(query):
        return sorted(f["properties"]["id"] for f in client.get(f"{api}?{query}").json()["features"])

    assert ids("river=chaobai") == [reach.pk]
    assert ids("unit=宋庄") == [reach.pk]
    assert ids("status=planned") == sorted([order.pk, reach.pk])
    assert ids("overdue=false") == sorted([order.pk, reach.pk])
    assert client.get(f"{api}?status=lost").status_code == 400
    line = next(f for f in client.get(api).json()["features"] if f["properties"]["id"] == reach.pk)
    assert line["geometry"]["type"] == "LineString"  # drawn as its stretch of river


def test_after_progress_the_engineer_goes_back_to_our_page_never_to_another_site(client_as, order):
    client = client_as("engineer")
    back = post_progress(client, order, 10, next="/work-orders/mine/")
    assert back["Location"] == "/work-orders/mine/"
    order.refresh_from_db()
    away = post_progress(client, order, 20, next="https://example.com/phish")
    assert away["Location"] == order.get_absolute_url()


def test_a_new_planned_order_does_not_move_a_hazard_back_from_in_progress(client_as, order, cast, culvert):
    report(order, cast["engineer"], 30)
    client_as("admin").post(reverse("hazards:work-order-create"), {
        "title": "Second stage", "kind": "remove", "hazard": culvert.pk, "deadline": "2027-06-01", "status": "planned",
    })
    culvert.refresh_from_db()
    assert culvert.status == "in_progress"


def test_an_admin_cannot_mark_an_order_accepted_by_editing_it(client_as, order):
    response = client_as("admin").post(reverse("hazards:work-order-edit", args=[order.pk]), {
        "title": order.title, "kind": order.kind, "hazard": order.hazard.pk, "deadline": "2027-06-01",
        "status": "accepted", "version": order.version,
    })
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    order.refresh_from_db()
    order.hazard.refresh_from_db()
    assert (order.status, order.hazard.status) == ("planned", "reported")


def test_moving_an_order_to_another_hazard_updates_both(client_as, order, rivers, cast):
    other = make_hazard(rivers["xiaotaihou"], 3000, kind="pylon")
    client = client_as("admin")
    client.post(reverse("hazards:work-order-edit", args=[order.pk]), {
        "title": order.title, "kind": order.kind, "hazard": order.hazard.pk, "deadline": "2027-06-01",
        "status": "planned", "version": order.version, "engineers": [cast["engineer"].pk],
    })
    order.refresh_from_db()
    first = order.hazard
    first.refresh_from_db()
    assert first.status == "planned"
    client.post(reverse("hazards:work-order-edit", args=[order.pk]), {
        "title": order.title, "kind": order.kind, "hazard": other.pk, "deadline": "2027-06-01",
        "status": "in_progress", "version": order.version, "engineers": [cast["engineer"].pk],
    })
    other.refresh_from_db()
    assert other.status == "in_progress"
