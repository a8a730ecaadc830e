"""An admin imports the office's spreadsheet in a real browser: dry run, GCJ-02, bad rows skipped, then the map."""

import re
from pathlib import Path

import pytest

from hazards.models import Hazard, ImportRecord

from .browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = Path(__file__).parent / "data" / "萧太后河潮白河风险清单.xlsx"


def count(page, kind):
    """The number on a count badge of the dry run (the page is in Chinese: 新建 7)."""
    return int(re.search(r"\d+", page.locator(f".count.{kind}").inner_text()).group())


def test_an_admin_checks_the_spreadsheet_imports_it_and_finds_the_hazards_on_the_map(browser, live_server, demo,
                                                                                       tmp_path):
    demo_count = Hazard.objects.count()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "admin", "floodwatch-demo")
    page.click("nav a[href$='/imports/']")
    page.set_input_files("#id_file", str(XLSX))
    page.click("#upload")

    page.wait_for_selector("#dry-run")
    assert count(page, "create") == 9  # 2 rows lie too far off as copied
    assert count(page, "bad") == 5
    assert "GCJ-02" in page.inner_text("#dry-run .warning >> nth=1")
    assert Hazard.objects.count() == demo_count  # a dry run writes nothing
    page.check("input[name=shift][value=gcj02]")
    page.click("#check-again")
    page.wait_for_selector("#dry-run")
    assert count(page, "create") == 11
    assert count(page, "bad") == 3
    page.check("#id_skip_bad_rows")
    page.click("#import")

    page.wait_for_url("**/imports/*/")
    record = ImportRecord.objects.get()
    assert (record.created_count, record.skipped_count, record.imported_by.username) == (11, 3, "admin")
    assert Hazard.objects.count() == demo_count + 11
    page.screenshot(path=str(tmp_path / "import-detail.png"), full_page=True)

    page.goto(live_server.url + "/?river=xiaotaihou")
    page.wait_for_function("document.getElementById('map-status').textContent.match(/\\d/)")
    shown = Hazard.objects.filter(river__code="xiaotaihou").count()
    assert int(re.search(r"\d+", page.inner_text("#map-status")).group()) == shown
    culvert = Hazard.objects.get(title="铺外路涵管")
    assert abs(culvert.chainage_m - 5200) < 1 and abs(culvert.offset_m - 15) < 1
