"""In a real browser: an inspector uploads a GPX track and sees the stretch turn covered;
another draws one; a leader opens the readiness table and sees which villages are not ready."""

import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from hazards.models import EvacuationPlan, Patrol, River, Village

from .browser import log_in
from .test_patrols import gpx_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser, live_server, settings):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # A user who switched the UI to English (Chinese is the default).
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())  # no tiles offline
    yield page
    page.close()


def chaobai_percent(page):
    return float(page.get_attribute("[data-river=chaobai] .pct", "data-percent"))


def green_stretches(page):
    return page.locator("[data-river=chaobai] .strip span.covered").count()


def test_an_inspector_uploads_a_gpx_file_and_sees_the_stretch_turn_covered(page, live_server, demo, tmp_path):
    track = tmp_path / "潮白河巡河.gpx"  # what the phone exported this morning
    track.write_bytes(gpx_file("chaobai_k20_k24_walk.gpx", on=timezone.localdate()).read())
    log_in(page, live_server, "inspector", "floodwatch-demo")

    page.click("nav >> text=Patrols")
    assert chaobai_percent(page) == 0 and green_stretches(page) == 0  # nobody walked the Chaobai this week

    page.click("text=Record a patrol")
    page.set_input_files("#id_gpx", str(track))
    page.click("button.primary.big")

    page.wait_for_selector("#patrol-map path.leaflet-interactive")
    assert "Patrol saved: 4.0 km of the Chaobai River covered (K20+000–K24+000)." in page.inner_text(".messages")
    assert page.inner_text("#stretches") == "K20+000–K24+000"
    green = page.locator("#patrol-map path[stroke='#1a9850']")
    assert green.count() == 1
    page.screenshot(path=str(tmp_path / "patrol.png"), full_page=True)

    page.click("nav >> text=Patrols")
    share = 100 * 4000 / River.objects.get(code="chaobai").length_m
    assert chaobai_percent(page) == pytest.approx(share, abs=0.2) and green_stretches(page) == 1
    page.wait_for_function("window.coverageLayer !== undefined")
    assert page.locator("#coverage-map path[stroke='#1a9850']").count() == 2  # the Chaobai stretch, the demo's Xiaotaihou
    page.screenshot(path=str(tmp_path / "coverage.png"), full_page=True)


def test_a_corrupt_file_gets_a_clear_message_in_the_browser(page, live_server, demo, tmp_path):
    broken = tmp_path / "track.gpx"
    broken.write_bytes(gpx_file("corrupt.gpx").read())
    patrols = Patrol.objects.count()
    log_in(page, live_server, "inspector", "floodwatch-demo")
    page.goto(live_server.url + "/patrols/new/")
    page.set_input_files("#id_gpx", str(broken))
    page.click("button.primary.big")
    page.wait_for_selector(".has-error")
    assert "track.gpx is not a GPX file we can read" in page.inner_text(".drop")
    assert Patrol.objects.count() == patrols


def test_an_inspector_draws_the_stretch_walked_on_the_map(page, live_server, demo):
    xth = River.objects.get(code="xiaotaihou")
    log_in(page, live_server, "inspector", "floodwatch-demo")
    page.goto(live_server.url + "/patrols/new/")
    page.wait_for_selector("#track-map path.leaflet-interactive")
    page.wait_for_function("!window.trackMap._animatingZoom")
    page.click("#draw-track")
    points = [xth.point_at(c, offset_m=20) for c in (4300, 5000, 5800, 6600)]
    centre = xth.point_at(5400)
    page.evaluate("([lat, lon]) => window.trackMap.setView([lat, lon], 14, {animate: false})", [centre.y, centre.x])
    for point in points + points[-1:]:  # clicking the last point again finishes the line
        x, y = page.evaluate(
            "([lat, lon]) => { const m = window.trackMap, p = m.latLngToContainerPoint([lat, lon]),"
            " r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }", [point.y, point.x])
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    assert page.input_value("#id_drawn_track").startswith('{"type":"LineString"')
    page.fill("#id_date", timezone.localdate().isoformat())
    page.click("button.primary.big")
    page.wait_for_selector("#stretches")
    patrol = Patrol.objects.latest("id")
    assert patrol.source == "drawn" and patrol.river == xth
    (start, end), = patrol.covered
    assert start == pytest.approx(4300, abs=60) and end == pytest.approx(6600, abs=60)


def test_a_leader_opens_the_readiness_table_and_sees_which_villages_are_not_ready(page, live_server, demo, tmp_path):
    log_in(page, live_server, "leader", "floodwatch-demo")
    page.click("nav >> text=Readiness")
    page.wait_for_selector("#readiness-map path.leaflet-interactive")
    rows = page.locator("table.readiness tbody tr")
    statuses = {rows.nth(i).locator("td").first.inner_text().split("\n")[0]: rows.nth(i).locator("td.status").inner_text()
                for i in range(rows.count())}
    assert statuses["Songzhuang Baimiao"].startswith("Ready") and statuses["Songzhuang Shiguzhuang"].startswith("Ready")
    assert statuses["Taihu Kouzi"].startswith("Not ready, at risk") and "no evacuation plan" in statuses["Taihu Kouzi"]
    assert "plan not reviewed this year" in statuses["Taihu Qianying"]
    first = rows.first.get_attribute("class")
    assert first == "flagged" and rows.last.get_attribute("class") == "ready"
    assert page.inner_text("#flagged-count") == str(sum("at risk" in s for s in statuses.values()))
    assert page.locator("#readiness-map path[fill='#d7191c']").count() >= 1  # red villages on the map
    assert page.locator("#readiness-map path[fill='#1a9850']").count() == 2
    page.screenshot(path=str(tmp_path / "readiness.png"), full_page=True)


def click_on_map(page, map_name, point):
    x, y = page.evaluate(
        f"([lat, lon]) => {{ const m = window.{map_name}, p = m.latLngToContainerPoint([lat, lon]),"
        " r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }", [point.y, point.x])
    page.mouse.click(x, y)
    page.wait_for_timeout(150)


def test_an_inspector_writes_kouzis_plan_placing_a_shelter_and_drawing_a_route(page, live_server, demo, tmp_path):
    kouzi = Village.objects.get(name_en="Kouzi")
    school = Point(kouzi.geom.x - 0.004, kouzi.geom.y + 0.006, srid=4326)  # away from the river
    log_in(page, live_server, "inspector", "floodwatch-demo")
    page.goto(f"{live_server.url}/plans/new/?village={kouzi.pk}")
    assert page.input_value("#id_village") == str(kouzi.pk)
    for field, value in (("people_at_risk", "820"), ("households_at_risk", "300"), ("vulnerable_people", "35")):
        page.fill(f"#id_{field}", value)
    page.select_option("#id_trigger_level", "orange")
    page.fill("#id_reviewed_on", timezone.localdate().isoformat())
    page.fill("#id_contacts-0-name", "张村长")
    page.fill("#id_contacts-0-phone", "13800000401")
    page.locator("#plan-map").scroll_into_view_if_needed()
    page.wait_for_selector("#plan-map .village-marker")  # the map shows the chosen village
    page.evaluate("([lat, lon]) => window.planMap.setView([lat, lon], 15, {animate: false})", [kouzi.geom.y, kouzi.geom.x])

    page.fill("#id_shelters-0-name", "口子村小学")
    page.fill("#id_shelters-0-capacity", "900")
    page.click("[data-kind=shelter] .place")
    click_on_map(page, "planMap", school)
    assert float(page.input_value("#id_shelters-0-latitude")) == pytest.approx(school.y, abs=2e-4)

    page.fill("#id_routes-0-name", "口子村—小学")
    page.click("[data-kind=route] .draw")
    corner = Point(kouzi.geom.x, school.y, srid=4326)
    for point in (kouzi.geom, corner, school, school):  # the last point twice finishes the line
        click_on_map(page, "planMap", point)
    page.click("text=Add a shelter")  # a second row appears, left empty
    assert page.locator("[data-kind=shelter].formset-row").count() == 2
    page.screenshot(path=str(tmp_path / "plan_form.png"), full_page=True)
    page.click("button.primary.big")

    page.wait_for_selector("#plan-map path.leaflet-interactive")
    plan = EvacuationPlan.objects.get(village=kouzi)
    assert plan.shelters.get().capacity == 900 and plan.routes.get().path.num_points == 3
    assert plan.routes.get().length_m == pytest.approx(1000, rel=0.3)
    page.goto(f"{live_server.url}/readiness/")
    kouzi_row = page.locator("tr[data-village='110112114206']")
    assert "reviewed this year" in kouzi_row.inner_text() and "no drill before the flood season" in kouzi_row.inner_text()
