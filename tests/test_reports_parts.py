"""Long risk lists are rendered in parts on every core and joined, with pages numbered through."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from hazards.reports import pdf

from .conftest import make_hazard
from .reports import codes_in, pdf_pages, qr_codes

PDF = reverse("hazards:risk-list-pdf")


@pytest.fixture
def many(rivers):
    """Hazards every 300 m along the Chaobai, in driving order."""
    return [make_hazard(rivers["chaobai"], 1000 + 300 * n, title=f"堆土 {n}") for n in range(45)]


def download(client, query=""):
    response = client.get(f"{PDF}?{query}")
    assert response.status_code == 200
    return response.content


def test_parts_rendered_side_by_side_join_into_one_list_numbered_through(client_as, many, settings):
    settings.REPORT_STOPS_PER_PART = 4  # nine stops: three parts of stops, and the front
    codes = [hazard.code for hazard in many[:9]]
    data = download(client_as("leader"), "&".join(f"code={code}" for code in codes))
    pages = pdf_pages(data)
    assert len(pages) == pdf.page_count(9) == 1 + 1 + 3
    for number, page in enumerate(pages, start=1):
        assert gettext("Page %(page)s of %(pages)s") % {"page": number, "pages": len(pages)} in page
    stop_pages = "".join(page for page in pages if gettext("Scan for its history") in page)
    assert codes_in(stop_pages) == codes
    assert sorted(qr_codes(data)) == sorted(settings.SITE_URL + hazard.get_absolute_url() for hazard in many[:9])


@pytest.mark.parametrize("stops", [40, 41, 45])
def test_the_page_count_is_known_before_anything_is_rendered(client_as, many, stops):
    codes = "&".join(f"code={hazard.code}" for hazard in many[:stops])
    pages = pdf_pages(download(client_as("leader"), codes))
    assert len(pages) == pdf.page_count(stops)
    assert codes_in("".join(pages)) == [hazard.code for hazard in many[:stops]]


def test_each_stop_names_the_villages_at_risk_from_it_with_their_plan_and_drill(client_as, rivers):
    culvert = make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True, blockage_pct=65)
    text = "".join(pdf_pages(download(client_as("leader"), f"code={culvert.code}")))
    assert "Villages at risk" in text
    assert "Kouzi (no plan, not drilled)" in " ".join(text.split())
