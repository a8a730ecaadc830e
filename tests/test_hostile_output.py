"""Text with HTML or script in it is kept as typed and shown as text everywhere: pages, map popups, the PDF.

The other half of the hostile-input corpus (tests/test_hostile_input.py):
what a form may keep must never run.
"""

import pytest
from django.urls import reverse
from django.utils.html import escape

from hazards import services
from hazards.models import Hazard, WorkOrder

from . import hostile
from .browser import log_in, open_hazard_popup
from .reports import pdf_pages


def report_with(client, rivers, text):
    point = rivers["xiaotaihou"].point_at(1800, 15)
    response = client.post(reverse("hazards:create"), {
        "title": text[:200], "kind": "culvert", "blockage_pct": "40", "status": "reported",
        "latitude": str(point.y), "longitude": str(point.x), "description": text, "responsible_unit": text[:200],
        "interim_measure": text,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    return Hazard.objects.get(title=text[:200])


@pytest.mark.parametrize("text", hostile.TEXT_ESCAPED)
def test_html_in_a_hazard_is_kept_as_typed_and_escaped_on_every_page(text, rivers, cast, client_as):
    hazard = report_with(client_as("inspector"), rivers, text)
    assert hazard.description == text
    order = services.work_order_save(order=WorkOrder(title=text[:200], kind="remove", hazard=hazard, contractor=text[:200]),
                                     user=cast["admin"], engineers=[cast["engineer"]])
    for role, url in (("leader", hazard.get_absolute_url()), ("leader", reverse("hazards:list")),
                      ("leader", order.get_absolute_url()), ("leader", reverse("hazards:work-orders")),
                      ("inspector", reverse("hazards:edit", args=[hazard.code]))):
        page = client_as(role).get(url).content.decode()
        assert escape(text[:200]) in page, url
        if "<" in text:
            assert text[:200] not in page, url


@pytest.mark.parametrize("text", hostile.TEXT_ESCAPED[:2])
def test_html_in_a_hazard_is_printed_as_text_in_the_risk_list(text, rivers, client_as):
    hazard = report_with(client_as("inspector"), rivers, text)
    response = client_as("leader").get(reverse("hazards:risk-list-pdf") + f"?code={hazard.code}")
    text_in_pdf = " ".join(" ".join(pdf_pages(response.content)).split())
    assert " ".join(text.split()) in text_in_pdf


@pytest.mark.django_db(transaction=True)
def test_html_in_a_hazard_stays_text_in_the_map_popup(browser, live_server, rivers, cast, client):
    for user in cast.values():
        user.set_password("floodwatch-demo")
        user.save()
    client.force_login(cast["inspector"])
    text = hostile.TEXT_ESCAPED[1]  # "><img src=x onerror="window.__pwned = 1">
    hazard = report_with(client, rivers, text)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "leader", "floodwatch-demo")
    open_hazard_popup(page, hazard)
    popup_text = page.inner_text(".leaflet-popup-content")
    page.wait_for_timeout(300)
    assert text in popup_text
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".leaflet-popup-content img[src='x']").count() == 0
    page.close()
