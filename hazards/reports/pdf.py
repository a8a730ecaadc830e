"""The risk-list PDF: cover with counts, overview map, summary table, one block per stop.

Rendered by WeasyPrint from templates/reports/. It reads only what LocalFetcher
allows (our static and media files, the cut font, and the QR codes made here in
memory), and sets its Chinese in the cut Noto Sans CJK face, with the full
face behind it for rare characters.

WeasyPrint lays out a stop block in about 20 ms, so a long list is cut into
parts (the cover, a few summary pages, a few dozen stops) rendered side by
side on every core (hazards/reports/workers.py) and joined. For that, the pages are laid out so that their count is known before
anything is rendered: the cover is one page, the summary a fixed number of
rows a page, and four stop blocks of fixed height fill each page. Every part
then numbers its own pages "N of M" from where it starts.
"""

import io
import math
import re
from dataclasses import dataclass

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pypdf import PdfWriter
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from .. import roles
from . import fonts, workers
from .fetcher import FONT_URL, GENERATED_URL, LocalFetcher
from .overview_map import overview_svg

# Choosing the best of the eight QR masks takes 2 ms a code, 2 s for a thousand stops; any
# mask reads (zbar reads them all in the tests), so take one. Printed 18 mm wide, a module is 0.5 mm.
QR_MASK = 4
# The page geometry that makes the page count known in advance (risk_list.css keeps to it).
STOPS_PER_PAGE = 4
SUMMARY_ROWS_FIRST_PAGE = 40  # under the "Summary" heading
SUMMARY_ROWS_PER_PAGE = 44
SUMMARY_PAGES_PER_PART = 4


@dataclass
class Part:
    """One part of the PDF: its HTML, and the QR codes it shows as {image name: URL}."""

    html: str
    qr_codes: dict


def qr_png(url):
    """A QR code for the URL, as PNG bytes."""
    out = io.BytesIO()
    segno.make_qr(url, error="m", mask=QR_MASK).save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def css_string(text):
    """Text as a quoted CSS string, safe inside a <style> element (no "<" to end it early)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return '"' + escaped + '"'


def page_counter_css(total):
    """The translated "Page N of M" as CSS content: the page counter, and the total known in advance."""
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s"))
    values = {"%(page)s": "counter(page)", "%(pages)s": css_string(str(total))}
    return " ".join(values.get(part) or css_string(part) for part in parts if part)


def summary_pages(rows):
    """The summary table's rows, page by page, as (first page?, rows)."""
    first, rest = rows[:SUMMARY_ROWS_FIRST_PAGE], rows[SUMMARY_ROWS_FIRST_PAGE:]
    pages = [first] + [rest[i:i + SUMMARY_ROWS_PER_PAGE] for i in range(0, len(rest), SUMMARY_ROWS_PER_PAGE)]
    return [(number == 0, page) for number, page in enumerate(pages)]


def page_count(stop_count):
    """Cover, summary and stop pages, from the number of stops alone."""
    summary = 1 + math.ceil(max(0, stop_count - SUMMARY_ROWS_FIRST_PAGE) / SUMMARY_ROWS_PER_PAGE)
    return 1 + summary + math.ceil(stop_count / STOPS_PER_PAGE)


def common_context(selection, total, user=None):
    return {
        "selection": selection,
        # Phones only for those allowed to see them (roles.may_see_phones); a list made for no one shows none.
        "show_phones": user is not None and roles.may_see_phones(user),
        "generated_at": timezone.localtime(selection.generated_at),
        "font_url": FONT_URL + fonts.cut_font_path().name,
        "font_family": css_string(fonts.FAMILY),
        "fallback_family": css_string(fonts.FALLBACK_FAMILY),
        "header_title": mark_safe(css_string(selection.title)),
        "header_generated": mark_safe(css_string(
            _("Generated") + " " + timezone.localtime(selection.generated_at).strftime("%Y-%m-%d %H:%M"))),
        "page_counter": mark_safe(page_counter_css(total)),
    }


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def parts(selection, user=None):
    """The cover, the summary and the stops, cut into parts that can be rendered side by side.

    Each part numbers its pages from where it starts; the page count is known in advance.
    """
    stops = selection.stops
    common = common_context(selection, page_count(len(stops)), user)

    def render(template, first_page, **context):
        return render_to_string(f"reports/{template}", {**common, "first_page": first_page, **context})

    result = [Part(render("risk_list_cover.html", 1, overview_map=mark_safe(overview_svg(stops)),
                          prepared_for=(user.get_full_name() or user.username) if user else ""), {})]
    page = 2
    for pages in chunks(summary_pages(stops), SUMMARY_PAGES_PER_PART):
        result.append(Part(render("risk_list_summary.html", page, summary_pages=pages), {}))
        page += len(pages)
    for chunk in chunks(stops, max(STOPS_PER_PAGE, settings.REPORT_STOPS_PER_PART // STOPS_PER_PAGE * STOPS_PER_PAGE)):
        for stop in chunk:
            stop.qr_url = f"{GENERATED_URL}qr-{stop.number}.png"
        qr_codes = {f"qr-{stop.number}.png": stop.url for stop in chunk}
        result.append(Part(render("risk_list_stops.html", page, stops=chunk), qr_codes))
        page += math.ceil(len(chunk) / STOPS_PER_PAGE)
    return result


def html_to_pdf(html, qr_codes=None):
    """A PDF from report HTML, reading only what LocalFetcher allows; `qr_codes` are made here."""
    generated = {name: (qr_png(url), "image/png") for name, url in (qr_codes or {}).items()}
    fetcher = LocalFetcher(generated)
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=fetcher).render(
        font_config=FontConfiguration()
    )
    return document.write_pdf()


def join(pdfs):
    """One PDF from the parts, in order."""
    if len(pdfs) == 1:
        return pdfs[0]
    writer = PdfWriter()
    for data in pdfs:
        writer.append(io.BytesIO(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def risk_list_pdf(selection, user=None):
    """The risk list as PDF bytes."""
    fonts.cut_font_file()
    jobs = [(part.html, part.qr_codes) for part in parts(selection, user)]
    # A short list (a typical tour) is quicker here than handed to the workers.
    long_list = len(selection.stops) > settings.REPORT_STOPS_PER_PART
    return join(workers.render_all(jobs, side_by_side=long_list))
