"""In a real browser: the response board shows confirmations and evacuation counts as they come in, without a
reload; a village lead enters counts on a phone-sized screen."""

import re

import pytest

from hazards import services
from hazards.models import CallOut, Evacuation

from .browser import log_in
from .flood import declare

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser, live_server, settings):
    settings.RESPONSE_BOARD_REFRESH_SECONDS = 1
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    yield page
    page.close()


def test_the_board_shows_a_confirmation_and_the_moved_count_as_they_come_in(page, live_server, flood, tmp_path):
    declare(flood)
    flood.cast["leader"].set_password("pw-leader")
    flood.cast["leader"].save()
    log_in(page, live_server, "leader", "pw-leader")
    page.goto(f"{live_server.url}/response/")
    ma = page.locator("li[data-call]", has_text="Ma").first.locator(".state")
    assert "waiting" in ma.get_attribute("class")
    services.call_out_confirm(call_out_id=CallOut.objects.get(person=flood.people["ma"]).pk)
    page.wait_for_function("document.querySelector('li[data-call] .state-confirmed') !== null", timeout=10_000)
    evacuation = Evacuation.objects.get()
    evacuation.moved = 120
    services.evacuation_save(evacuation=evacuation, occupancy={}, entered_by="Lead", version=evacuation.version)
    page.wait_for_function("document.querySelector('#district-totals .text').textContent === '120 of 150 moved'",
                           timeout=10_000)
    assert page.inner_text(f"[data-evacuation='{evacuation.pk}'] .moved") == "120"
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)


def test_a_village_lead_enters_counts_from_a_phone(browser, live_server, flood, settings, tmp_path):
    declaration = declare(flood)
    call = CallOut.objects.get(declaration=declaration, person=flood.people["lead"])
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page = phone.new_page()
    page.goto(call.confirm_url().replace(settings.SITE_URL, live_server.url))
    page.click("text=I have received this warning")
    page.click("a.button.big")
    page.fill("#id_moved", "120")
    page.fill("#id_vulnerable_moved", "12")
    page.locator("input[name^=shelter_]").first.fill("100")
    page.fill("#id_to_relatives", "20")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing to scroll sideways
    page.click("text=Save the counts")
    assert "Baimiao: 120 of 150 moved." in page.inner_text(".messages")
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    phone.close()
    assert Evacuation.objects.get().moved == 120
