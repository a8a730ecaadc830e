"""Rendered parts of a risk list are kept by what they show: reused while nothing changed, laid out again when it did."""

import pytest
from django.http import QueryDict

from hazards import services
from hazards.reports import pdf
from hazards.reports.selection import select

from .conftest import make_hazard
from .reports import add_photo, add_works, codes_in, pdf_pages


@pytest.fixture
def twelve(rivers, settings):
    """Twelve stops in parts of four (three stop parts), so that one change touches one part."""
    settings.REPORT_STOPS_PER_PART = 4
    return [make_hazard(rivers["chaobai"], 1000 + 400 * n, title=f"堆土 {n}") for n in range(12)]


def render(leader):
    return pdf.render_risk_list(select(QueryDict("river=chaobai")), leader)


def stop_parts(names):
    return sorted(name for name in names if name.startswith("stops-"))


def test_nothing_changed_nothing_is_laid_out_again(twelve, cast):
    first = render(cast["leader"])
    assert stop_parts(first.rendered) == ["stops-1", "stops-5", "stops-9"] and first.reused == []
    again = render(cast["leader"])
    assert stop_parts(again.reused) == ["stops-1", "stops-5", "stops-9"] and stop_parts(again.rendered) == []
    assert "summary-1" in again.reused
    pages = pdf_pages(again.data)
    assert codes_in("".join(pages)) == [hazard.code for hazard in twelve]
    assert "Page 5 of 5" in pages[-1]  # the labels are stamped on the kept pages too


def test_an_edited_hazard_lays_out_its_own_part_again(twelve, cast):
    render(cast["leader"])
    hazard = twelve[5]
    hazard.interim_measure = "设置警示标志"
    services.hazard_save(hazard=hazard, user=cast["inspector"], version=hazard.version)
    again = render(cast["leader"])
    assert stop_parts(again.rendered) == ["stops-5"] and stop_parts(again.reused) == ["stops-1", "stops-9"]
    assert "设置警示标志" in "".join(pdf_pages(again.data))


def test_a_works_order_or_its_progress_lays_out_the_stops_part_again(twelve, cast):
    render(cast["leader"])
    order = add_works(twelve[1], cast["engineer"], progress=30)
    assert stop_parts(render(cast["leader"]).rendered) == ["stops-1"]
    order.progress_pct = 70
    order.save()
    after = render(cast["leader"])
    assert stop_parts(after.rendered) == ["stops-1"] and "70%" in "".join(pdf_pages(after.data))


def test_a_new_photo_lays_out_the_stops_part_again(twelve, cast):
    render(cast["leader"])
    add_photo(twelve[10], cast["inspector"])
    again = render(cast["leader"])
    assert stop_parts(again.rendered) == ["stops-9"] and stop_parts(again.reused) == ["stops-1", "stops-5"]
