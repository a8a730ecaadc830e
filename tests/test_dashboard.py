"""The leaders' dashboard: every number is a link to its list, and the list shows that many rows; the response
comes first during one; the one-page PDF says the same; leaders land on it after logging in."""

import datetime
import html
import re
import subprocess

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from hazards import dashboard, season, services
from hazards.models import CallOut, CitizenReport, Hazard, Open311Client, WorkOrder

from .browser import log_in
from .flood import declare
from .reports import pdf_pages

FIGURE_LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*data-figure="([^"]+)"[^>]*>(?:<b>)?(\d+)')
COUNT = re.compile(r'data-count="(\d+)"')


def add_hotline_reports(hazard):
    """Reports of every kind: awaiting, answered in an hour, answered after two days, closed, rejected."""
    client = Open311Client(name="12345 hotline")
    client.new_key()
    client.save()
    now = timezone.now()
    day = datetime.timedelta(days=1)

    def report(received, **fields):
        item = CitizenReport(client=client, service_code="blocked_channel", received_at=received, **fields)
        item.set_deadlines()
        item.save()
        return item

    report(now - datetime.timedelta(hours=3))
    report(now - 3 * day, assigned_at=now - 3 * day + datetime.timedelta(hours=1), status="attached", hazard=hazard,
           answered_at=now - 3 * day + datetime.timedelta(hours=1))
    report(now - 5 * day, assigned_at=now - 2 * day, answered_at=now - 2 * day, status="attached", hazard=hazard)
    report(now - 9 * day, assigned_at=now - 9 * day + datetime.timedelta(hours=2), answered_at=now - 8 * day,
           closed_at=now - 4 * day, status="rejected", reject_reason="Not in a river")


def order_due_in(days, unit="Taihu town"):
    hazard = Hazard.objects.filter(status__in=Hazard.OPEN_STATUSES).order_by("pk").first()
    return WorkOrder.objects.create(title=f"Due in {days}", kind="remove", hazard=hazard, responsible_unit=unit,
                                    deadline=timezone.localdate() + datetime.timedelta(days=days))


@pytest.fixture
def world(demo):
    add_hotline_reports(Hazard.objects.order_by("pk").first())
    order_due_in(3)
    order_due_in(7)
    order_due_in(8)  # beyond the week
    order_due_in(-2, unit="Taihu town government")  # a unit whose name holds another's
    return User.objects.get(username="leader")


def test_every_number_links_to_a_list_showing_that_many_rows(world, client):
    client.force_login(world)
    page = client.get(reverse("hazards:dashboard")).content.decode()
    links = FIGURE_LINK.findall(page)
    shown = {name for _url, name, _value in links}
    expected = {name for name, figure in dashboard.dashboard().figures() if figure.count}
    assert expected <= shown, expected - shown
    assert len(links) > 40
    for url, name, value in links:
        listing = client.get(html.unescape(url))
        assert listing.status_code == 200, (name, url)
        if name not in expected:  # a day count or a share: its page, not a count of rows
            continue
        counts = COUNT.findall(listing.content.decode())
        assert counts, (name, url)
        assert counts[0] == value, (name, url, value, counts[0])


def test_the_figures_count_what_their_rules_say(world):
    today = timezone.localdate()
    figures = dashboard.dashboard(today)
    assert figures.orders.due_soon.value == WorkOrder.objects.due_within(7).count() == 2
    assert figures.orders.overdue.value == WorkOrder.objects.overdue().count() >= 1
    assert figures.hazards.open_red.value == Hazard.objects.filter(risk_level="major", status__in=Hazard.OPEN_STATUSES).count()
    assert figures.hotline.open.value == 3  # the rejected one is not open
    assert figures.hotline.answered_in_a_day.value == 2  # in an hour, in two; not the one taken after three days
    assert figures.hotline.median_days.value == pytest.approx(5, abs=0.01)
    assert figures.days_to_season.value == season.days_to_flood_season(today)
    units = {unit.name: unit for unit in figures.orders.units}
    assert units["Taihu town"].total.value == 3 and units["Taihu town government"].total.value == 1
    open_now = Hazard.objects.filter(status__in=Hazard.OPEN_STATUSES).count()
    assert figures.burn_down.open_now == open_now == figures.burn_down.points[-1][1]


def test_the_burn_down_replays_the_history(demo):
    hazard = Hazard.objects.filter(status__in=Hazard.OPEN_STATUSES).order_by("pk").first()
    before = dashboard.burn_down().points[-1][1]
    hazard.status = "closed"
    hazard.save()
    assert dashboard.burn_down().points[-1][1] == before - 1
    # A day in the chart before the demo was loaded: nothing was open then.
    assert dashboard.burn_down().points[0][1] == 0


def test_days_to_the_main_flood_season():
    assert season.days_to_main_flood_season(datetime.date(2026, 7, 10)) == 10
    assert season.days_to_main_flood_season(datetime.date(2026, 7, 25)) == 0
    assert season.main_flood_season_start(datetime.date(2026, 8, 11)) == datetime.date(2027, 7, 20)


def test_during_a_response_it_comes_first_with_the_calls_the_moves_and_the_duty(flood, client):
    declare(flood)
    services.call_out_confirm(call_out_id=CallOut.objects.get(person=flood.people["ma"]).pk)
    client.force_login(flood.cast["leader"])
    page = client.get(reverse("hazards:dashboard")).content.decode()
    assert page.index('id="response"') < page.index('data-figure="days to the flood season"')
    calls = CallOut.objects.count()
    assert re.search(r'data-figure="response calls_confirmed"><b>1</b>', page)
    assert re.search(rf'data-figure="response calls_waiting"><b>{calls - 1}</b>', page)
    assert re.search(r'data-figure="response moved"><b>0 <small>/ 150</small></b>', page)
    assert "Orange warning" in page and "Level II" in page
    assert "Leader (leader on duty)" in page
    board = client.get(reverse("hazards:response")).content.decode()
    assert "0 of 150 moved" in board


def test_the_one_page_summary_says_what_the_page_says(world, client):
    client.force_login(world)
    response = client.get(reverse("hazards:dashboard-pdf"))
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert len(pages) == 1
    text = " ".join(pages[0].split())
    figures = dashboard.dashboard()
    # The row of key figures, as poppler lays out the page.
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=response.content,
                            capture_output=True, check=True).stdout.decode()
    row = [figures.days_to_season, figures.days_to_main_season, figures.hazards.open_red, figures.hazards.open_orange,
           figures.orders.overdue, figures.orders.due_soon]
    assert any(line.split() == [str(figure.value) for figure in row] for line in layout.splitlines()), layout[:800]
    for label in ("days to the main", "work orders overdue", "Clearance by river", "Villages' readiness"):
        assert label in text
    for river, _figure in figures.hazards.by_river:
        assert river.name in text
    assert "Latest changes" in text


@pytest.mark.django_db(transaction=True)
def test_a_leader_lands_on_the_dashboard_and_clicks_through_to_the_overdue_orders(browser, live_server, demo, settings):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    try:
        log_in(page, live_server, "leader", "floodwatch-demo", next=None)
        assert page.url == f"{live_server.url}/dashboard/"
        assert page.locator("svg.burn-down").count() == 1
        overdue = int(page.inner_text("#overdue-orders b"))
        page.click("#overdue-orders")
        page.wait_for_url("**/work-orders/?overdue=true")
        assert page.locator("table.register tbody tr.is-overdue").count() == overdue
        page.context.clear_cookies()
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        log_in(page, live_server, "inspector", "floodwatch-demo", next=None)
        assert page.url == f"{live_server.url}/"
    finally:
        page.close()
