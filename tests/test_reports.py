"""GET /reports/risk-list.pdf and .csv: the risk list a leader takes on an inspection tour."""

import csv
import io

import pytest
from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from pypdf import PdfReader

from hazards import season
from hazards.reports import pdf
from hazards.reports.selection import select

from .conftest import in_chinese, make_hazard
from .reports import add_photo, add_works, codes_in, drawn_images, pdf_pages, qr_codes

PDF = reverse("hazards:risk-list-pdf")
CSV = reverse("hazards:risk-list-csv")


@pytest.fixture
def register(rivers, cast):
    """Hazards on both rivers, created out of chainage order, some with works, photos and notes."""
    cb, xth = rivers["chaobai"], rivers["xiaotaihou"]
    engineer = cast["engineer"]
    h = {
        "pylon": make_hazard(xth, 3500, title="前营村高压塔", kind="pylon", in_main_channel=True, blockage_pct=20,
                             status="in_progress", interim_measure="设置警示标志，专人值守。"),
        "culvert": make_hazard(xth, 1800, title="口子村铺外路涵管", kind="culvert", in_main_channel=True,
                               blockage_pct=65, status="in_progress", responsible_unit="台湖镇政府"),
        "reeds": make_hazard(xth, 6600, title="张家湾段阻水芦苇", kind="vegetation", blockage_pct=5, status="cleared"),
        "litter": make_hazard(xth, 500, title="台湖段岸边垃圾", kind="debris", blockage_pct=5),
        "sand": make_hazard(cb, 16500, title="宋庄段河床淤积", kind="sediment", blockage_pct=10),
        "pier": make_hazard(cb, 24000, title="漫水桥桥墩", kind="bridge_pier", in_main_channel=True, blockage_pct=35,
                            status="planned"),
    }
    add_works(h["pylon"], engineer, progress=25, days_left=-5, note="迁改方案已报供电公司审批。")
    add_works(h["culvert"], engineer, progress=60, days_left=120, note="左侧两孔扩建完成。")
    add_photo(h["culvert"], cast["inspector"])
    add_photo(h["pier"], cast["inspector"], colour="#d7191c")
    return h


def download(client, url, query="", **headers):
    response = client.get(f"{url}?{query}" if query else url, **headers)
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_pdf_lists_the_filtered_hazards_upstream_to_downstream_and_nothing_else(client_as, register):
    response = download(client_as("leader"), PDF, "river=xiaotaihou")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="risk-list-')
    pages = pdf_pages(response.content)
    upstream_to_downstream = [register[k].code for k in ("litter", "culvert", "pylon", "reeds")]
    assert codes_in("".join(pages)) == upstream_to_downstream  # the summary
    stop_pages = [page for page in pages if gettext("Scan for its history") in page]
    assert codes_in("".join(stop_pages)) == upstream_to_downstream  # one block per stop, in the same order
    assert not any(code.startswith("CBH") for code in codes_in("".join(pages)))


def test_the_minimum_risk_open_and_overdue_filters_narrow_the_list(client_as, register):
    client = client_as("leader")
    serious = codes_in("".join(pdf_pages(download(client, PDF, "min_risk=high&open=true").content)))
    assert serious == [register[k].code for k in ("pier", "culvert", "pylon")]  # Chaobai first, then the Xiaotaihou
    overdue = codes_in("".join(pdf_pages(download(client, PDF, "overdue=true").content)))
    assert overdue == [register["pylon"].code]


def test_rivers_come_river_by_river_each_upstream_to_downstream(client_as, register):
    codes = codes_in("".join(pdf_pages(download(client_as("leader"), PDF).content)))
    assert codes == [register[k].code for k in ("sand", "pier", "litter", "culvert", "pylon", "reeds")]


def test_chosen_stops_print_in_driving_order_whatever_order_they_were_picked_in(client_as, register):
    query = f"code={register['pylon'].code}&code={register['sand'].code}&code={register['litter'].code}"
    codes = codes_in("".join(pdf_pages(download(client_as("leader"), PDF, query).content)))
    assert codes == [register[k].code for k in ("sand", "litter", "pylon")]


def test_every_page_carries_the_title_and_page_n_of_m(client_as, register):
    pages = pdf_pages(download(in_chinese(client_as("leader")), PDF).content)
    assert len(pages) >= 3
    with translation.override("zh-hans"):
        title = gettext("%(rivers)s flood risk list") % {"rivers": pgettext("list separator", ", ").join(["潮白河", "萧太后河"])}
        for number, page in enumerate(pages, start=1):
            # pdftotext keeps no spaces between Chinese characters and digits: compare without any.
            page = "".join(page.split())
            assert "".join((gettext("Page %(page)s of %(pages)s") % {"page": number, "pages": len(pages)}).split()) in page
            assert "".join(title.split()) in page


def test_the_fonts_are_embedded_and_the_chinese_is_searchable_text(client_as, register):
    data = download(in_chinese(client_as("leader")), PDF).content
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert all("Floodwatch-CJK" in name for name in fonts), fonts  # the cut face, nothing pulled in from the system
    text = "".join(pdf_pages(data))
    for words in ("萧太后河", "口子村铺外路涵管", "漫水桥桥墩", "左侧两孔扩建完成。", "设置警示标志，专人值守。"):
        assert words in text


def test_each_qr_code_opens_its_hazards_page(client_as, register, settings):
    settings.SITE_URL = "https://floodwatch.example.cn"
    data = download(client_as("leader"), PDF, "river=xiaotaihou").content
    expected = [f"https://floodwatch.example.cn/hazards/{register[k].code}/" for k in ("litter", "culvert", "pylon", "reeds")]
    assert sorted(qr_codes(data)) == sorted(expected)


def test_a_stop_shows_its_works_progress_people_photo_and_latest_note(client_as, register, cast):
    data = download(client_as("leader"), PDF, f"code={register['culvert'].code}").content
    text = "".join(pdf_pages(data))
    assert "60%" in text
    assert cast["engineer"].get_full_name() in text
    assert "台湖镇政府" in text
    assert "左侧两孔扩建完成。" in text
    assert drawn_images(data) == 2  # the photo and the QR code


def test_the_cover_counts_levels_statuses_overdue_and_days_to_the_flood_season(register):
    selection = select(QueryDict("river=xiaotaihou"))
    counts = {level: count for level, label, colour, count in selection.counts_by_risk()}
    assert counts == {"major": 1, "high": 1, "moderate": 0, "low": 2}
    assert dict(selection.counts_by_status()) == {
        gettext("Reported"): 1, gettext("In progress"): 2, gettext("Cleared"): 1,
    }
    assert selection.overdue_count == 1
    assert selection.days_to_flood_season == season.days_to_flood_season()
    cover = " ".join(pdf_pages(pdf.risk_list_pdf(selection))[0].split())
    assert str(season.days_to_flood_season()) in cover
    assert gettext("days to the flood season") in cover


def test_an_english_ui_gets_an_english_pdf(client_as, register):
    pages = pdf_pages(download(client_as("leader"), PDF, "river=xiaotaihou", HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Xiaotaihou River flood risk list" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert "Scan for its history" in "".join(pages)


def test_user_text_is_printed_as_text_never_as_markup(client_as, rivers):
    make_hazard(rivers["xiaotaihou"], 2000, title='<img src="file:///etc/passwd"> & <b>x</b>')
    text = "".join(pdf_pages(download(client_as("leader"), PDF).content))
    assert '<img src="file:///etc/passwd"> & <b>x</b>' in text


def test_the_pdf_data_takes_as_many_queries_for_many_stops_as_for_few(register, cast, rivers):
    def queries(query):
        with translation.override("zh-hans"), CaptureQueriesContext(connection) as captured:
            pdf.risk_list_pdf(select(QueryDict(query)))
        return len(captured)

    add_works(register["sand"], cast["engineer"], note="进场")
    few = queries("river=chaobai")  # 2 stops, one photo, one works order
    for chainage in (2000, 5000, 8000, 30000):
        hazard = make_hazard(rivers["chaobai"], chainage)
        add_works(hazard, cast["engineer"], note="进场")
        add_photo(hazard, cast["inspector"])
    assert queries("river=chaobai") == few  # 6 stops, photos, works, engineers, notes
    # The filter's river; hazards, photos, orders, engineers, notes; rivers, towns, villages for the map;
    # rivers, villages, plans, drills and their villages, severe hazards, responsible persons for the villages at
    # risk; responsible persons, depots and rescue teams for the stops.
    assert few == 18


def test_a_filter_that_makes_no_sense_is_named_in_a_400(client_as, register):
    response = client_as("leader").get(PDF + "?min_risk=extreme")
    assert response.status_code == 400
    assert "min_risk" in response.content.decode()


def test_anonymous_users_are_sent_to_login(client, register):
    for url in (PDF, CSV):
        response = client.get(url + "?river=xiaotaihou")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_user_without_a_role_may_not_download(client_as, register):
    client = client_as("stranger")
    assert client.get(PDF).status_code == 403
    assert client.get(CSV).status_code == 403


@pytest.mark.parametrize("role", ["inspector", "engineer", "leader", "admin"])
def test_every_role_downloads_the_csv(client_as, role, register):
    assert client_as(role).get(CSV).status_code == 200


def test_the_csv_holds_the_same_stops_in_the_same_order(client_as, register, cast):
    response = download(client_as("leader"), CSV, "river=xiaotaihou", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads the Chinese as UTF-8
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [row["Code"] for row in rows] == [register[k].code for k in ("litter", "culvert", "pylon", "reeds")]
    culvert, pylon = rows[1], rows[2]
    assert culvert["Title"] == "口子村铺外路涵管" and culvert["River"] == "Xiaotaihou River"
    assert culvert["Chainage"] == "K1+800" and culvert["Risk level"] == "Major (red)"
    assert culvert["Progress (%)"] == "60" and culvert["Responsible people"] == cast["engineer"].get_full_name()
    assert pylon["Overdue"] == "yes" and pylon["Latest note"] == "迁改方案已报供电公司审批。"
    assert culvert["Page"] == f"{settings.SITE_URL}/hazards/{register['culvert'].code}/"


def test_the_csv_never_lets_user_text_become_a_formula(client_as, rivers):
    make_hazard(rivers["xiaotaihou"], 2000, title='=HYPERLINK("http://evil.example","click")')
    rows = list(csv.reader(io.StringIO(download(client_as("leader"), CSV).content.decode("utf-8")[1:])))
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","click")'


def test_a_selection_with_no_hazard_gives_a_pdf_that_says_so(client_as, register):
    pages = pdf_pages(download(client_as("leader"), PDF, "river=xiaotaihou&min_risk=major&open=false").content)
    assert "".join(gettext("No hazard matches this selection.").split()) in "".join("".join(pages).split())
    assert codes_in("".join(pages)) == []


def test_long_user_text_is_shortened_on_the_block_and_kept_whole_in_the_csv(client_as, rivers):
    long_note = "汛前完成清障。" * 60
    make_hazard(rivers["xiaotaihou"], 2000, title="阻水" * 80, interim_measure=long_note)
    client = client_as("leader")
    text = "".join("".join(pdf_pages(download(client, PDF).content)).split())
    assert "汛前完成清障。" * 9 in text  # cut to fit the block
    assert long_note not in text
    assert long_note in download(client, CSV).content.decode("utf-8")


def test_the_cover_names_the_filters_in_force_in_words(register):
    with translation.override("en"):
        selection = select(QueryDict("river=xiaotaihou&min_risk=high&open=true&status=in_progress"))
        assert selection.filters == [
            ("River", "Xiaotaihou River"), ("Status", "In progress"), ("Minimum risk level", "High (orange)"),
            ("Open only", "yes"),
        ]


def test_a_character_outside_the_cut_font_falls_back_to_the_full_noto_face(client_as, rivers):
    make_hazard(rivers["xiaotaihou"], 2000, title="堃玥村涵管")  # neither character is in GB2312
    data = download(client_as("leader"), PDF).content
    fonts = {font.get_object()["/BaseFont"] for page in PdfReader(io.BytesIO(data)).pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-CJK" in name for name in fonts) and any("Floodwatch-CJK" in name for name in fonts)
    assert "堃玥村涵管" in "".join(pdf_pages(data))


def test_the_overview_map_is_drawn_as_vector_graphics_with_no_tiles(client_as, register):
    data = download(in_chinese(client_as("leader")), PDF, "river=xiaotaihou").content
    cover = PdfReader(io.BytesIO(data)).pages[0]
    operators = cover.get_contents().get_data().split()
    assert operators.count(b"l") > 50  # the river, the district outline: line segments
    assert drawn_images(data, page=1) == 0  # no raster tiles
    assert "萧太后河" in pdf_pages(data)[0]  # the river's name on the map


def test_the_cover_says_all_hazards_when_nothing_is_filtered(register):
    assert select(QueryDict("")).filters == []
    assert select(QueryDict("min_risk=&open=&overdue=")).filters == []


def test_a_river_name_in_the_page_header_cannot_end_the_style_element(client_as, rivers):
    river = rivers["xiaotaihou"]
    river.name_en = 'Xiao</style><p class="x">"River'
    river.save()
    make_hazard(river, 2000)
    pages = pdf_pages(download(client_as("leader"), PDF, "river=xiaotaihou").content)
    assert all('Xiao</style><p class="x">"River flood risk list' in page for page in pages)
