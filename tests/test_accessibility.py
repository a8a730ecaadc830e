"""Pages everyone can use: axe-core (the npm package, served from node_modules by `make setup`, no download at
test time) runs in Debian's Chromium on every main page, for each role, on a desktop (1280 px) and a phone
(390 px), and finds no serious or critical violation of WCAG 2.0 and 2.1, levels A and AA.

One browser for the whole module; one context a viewport and role, its pages visited one after the other."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from hazards.models import Hazard, WorkOrder

from .browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


def pages_for(role):
    """The main pages this role uses: [(name, URL)]."""
    hazard = Hazard.objects.filter(work_orders__isnull=False).order_by("pk").first()
    order = WorkOrder.objects.filter(updates__isnull=False).order_by("pk").first()
    pages = [
        ("dashboard", reverse("hazards:dashboard")),
        ("map", reverse("hazards:map")),
        ("hazard list", reverse("hazards:list")),
        ("hazard page", hazard.get_absolute_url()),
        ("work orders", reverse("hazards:work-orders")),
        ("work order page", order.get_absolute_url()),
        ("readiness", reverse("hazards:readiness")),
        ("patrols", reverse("hazards:patrols")),
        ("response board", reverse("hazards:response")),
        ("hotline reports", reverse("hazards:citizen-reports")),
        ("downloads", reverse("hazards:downloads")),
    ]
    if role in ("inspector", "admin"):
        pages.append(("report form", reverse("hazards:create")))
    if role == "engineer":
        pages.append(("my work orders, progress forms", reverse("hazards:my-work-orders")))
    if role in ("leader", "admin"):
        pages.append(("risk lists and tours", reverse("hazards:tours")))
    if role == "admin":
        pages.append(("imports", reverse("hazards:import")))
    return pages


def axe_violations(page):
    """Serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                           TAGS)
    return [f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'].splitlines()[-1].strip()}"
            for v in result["violations"] if v["impact"] in ("serious", "critical") for node in v["nodes"]]


def visit(page, url):
    response = page.goto(url, wait_until="load")
    assert response.status == 200, (url, response.status)


@pytest.fixture
def context_for(browser, live_server, settings):
    """A browser context at a viewport, with only our own server reachable (no basemap tiles offline)."""
    contexts = []

    def make(viewport):
        width, height = VIEWPORTS[viewport]
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}])
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_axe_finds_nothing_serious_on_the_login_page(context_for, live_server, demo):
    for viewport in VIEWPORTS:
        page = context_for(viewport)
        visit(page, f"{live_server.url}/accounts/login/")
        assert axe_violations(page) == [], viewport
        page.fill("input[name=username]", "leader")
        page.fill("input[name=password]", "wrong-password")
        page.click("button.primary")
        page.wait_for_selector(".error-summary")
        assert axe_violations(page) == [], f"{viewport}, with errors"


@pytest.mark.parametrize("role", ["inspector", "engineer", "leader", "admin"])
def test_axe_finds_nothing_serious_on_any_main_page(role, context_for, live_server, demo):
    """Each page loaded once, checked at desktop width, then narrowed to a phone's and checked again."""
    found = {}
    page = context_for("desktop")
    log_in(page, live_server, role, "floodwatch-demo")
    for name, url in pages_for(role):
        visit(page, live_server.url + url)
        for viewport, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            violations = axe_violations(page)
            if violations:
                found[f"{name} ({viewport})"] = violations
        page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS["desktop"])))
    assert found == {}


def test_a_form_sent_back_says_what_is_wrong_at_the_top_and_passes_axe(context_for, live_server, demo):
    page = context_for("phone")
    log_in(page, live_server, "inspector", "floodwatch-demo")
    visit(page, live_server.url + reverse("hazards:create"))
    page.click("form button[type=submit], form button.primary")
    summary = page.wait_for_selector(".error-summary")
    assert summary.evaluate("el => document.activeElement === el")  # focus moves to it: a screen reader reads it
    assert page.locator(".error-summary a").count() >= 1
    assert axe_violations(page) == []


def test_touch_targets_on_a_phone_are_at_least_44_pixels_high(context_for, live_server, demo):
    page = context_for("phone")
    log_in(page, live_server, "engineer", "floodwatch-demo")
    visit(page, live_server.url + reverse("hazards:my-work-orders"))
    selector = "main button, main input:not([type=hidden]), main select, main .button, header nav a"
    small = page.evaluate("""selector => [...document.querySelectorAll(selector)].filter(el => el.offsetParent !== null)
        .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
        .filter(([html, h]) => h < 44)""", selector)
    assert small == []


def test_the_map_has_a_keyboard_list_of_the_hazards_beside_it(context_for, live_server, demo):
    page = context_for("desktop")
    log_in(page, live_server, "inspector", "floodwatch-demo")
    visit(page, live_server.url + reverse("hazards:map"))
    items = page.locator("#hazard-index li")
    severe = Hazard.objects.filter(risk_level__in=("major", "high"), status__in=Hazard.OPEN_STATUSES).count()
    assert items.count() == severe
    first = items.first
    assert re.search(r"(Major|High|重大|较大)", first.inner_text())  # the level in words, not colour alone
    first.locator("button").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup-content .popup > a")
