"""The risk-list PDF: cover with counts, overview map, summary table, one block per stop.

Rendered by WeasyPrint from templates/reports/. It reads only what LocalFetcher
allows (our static and media files, the cut font, and the QR codes made here in
memory), and sets its Chinese in the cut Noto Sans CJK face, with the full
face behind it for rare characters.

WeasyPrint lays out a stop block in about 20 ms, so a list is cut into parts
(the cover, a few summary pages, a few dozen stops) that are:

- kept once rendered (cache.py), by the content they show: a part whose stops
  did not change is read back, not laid out again;
- rendered side by side on every core when missing (workers.py);
- joined by qpdf (pikepdf), which stamps on every page what changes with each
  download: the header (title, time made) and "page N of M" (risk_list_frame.html).

For that, the page count is known before anything is rendered: the cover is
one page, the summary a fixed number of rows a page, and four stop blocks of
fixed height fill each page.
"""

import io
import math
from dataclasses import dataclass

import pikepdf
import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from . import cache, fonts, workers
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
# Where "page N of M" goes: a label this size, its right edge at the right margin, centred in the
# bottom margin (risk_list.css: 13 mm at the sides, 15 mm at the bottom of A4).
MM = 72 / 25.4
LABEL_WIDTH_MM, LABEL_HEIGHT_MM = 70, 6
LABEL_RECT = pikepdf.Rectangle((210 - 13 - LABEL_WIDTH_MM) * MM, (7.5 - LABEL_HEIGHT_MM / 2) * MM,
                               (210 - 13) * MM, (7.5 + LABEL_HEIGHT_MM / 2) * MM)


@dataclass
class Part:
    """One part of the PDF: its HTML, the QR codes it shows as {image name: URL}, and how many stops."""

    name: str
    html: str
    qr_codes: dict
    stops: int = 0

    @property
    def key(self):
        return cache.key(self.html, self.qr_codes)


@dataclass
class Rendered:
    """A risk list's PDF, and which parts were laid out for it (the others were kept from before)."""

    data: bytes
    rendered: list
    reused: list


def qr_png(url):
    """A QR code for the URL, as PNG bytes: 4 pixels a module, a quiet zone of 2 (Pillow writes it, fast)."""
    matrix = segno.make_qr(url, error="m", mask=QR_MASK).matrix
    size = len(matrix)
    image = Image.frombytes("L", (size, size), bytes(0 if dark else 255 for row in matrix for dark in row))
    image = ImageOps.expand(image, border=2, fill=255).resize(((size + 4) * 4,) * 2, Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.convert("1").save(out, "PNG", optimize=False)
    return out.getvalue()


def css_string(text):
    """Text as a quoted CSS string, safe inside a <style> element (no "<" to end it early)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return '"' + escaped + '"'


def summary_pages(rows):
    """The summary table's rows, page by page, as (first page?, rows)."""
    first, rest = rows[:SUMMARY_ROWS_FIRST_PAGE], rows[SUMMARY_ROWS_FIRST_PAGE:]
    pages = [first] + [rest[i:i + SUMMARY_ROWS_PER_PAGE] for i in range(0, len(rest), SUMMARY_ROWS_PER_PAGE)]
    return [(number == 0, page) for number, page in enumerate(pages)]


def page_count(stop_count):
    """Cover, summary and stop pages, from the number of stops alone."""
    summary = 1 + math.ceil(max(0, stop_count - SUMMARY_ROWS_FIRST_PAGE) / SUMMARY_ROWS_PER_PAGE)
    return 1 + summary + math.ceil(stop_count / STOPS_PER_PAGE)


def common_context(selection):
    return {
        "selection": selection,
        "generated_at": timezone.localtime(selection.generated_at),
        "font_url": FONT_URL + fonts.cut_font_path().name,
        "font_family": css_string(fonts.FAMILY),
        "fallback_family": css_string(fonts.FALLBACK_FAMILY),
    }


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def parts(selection, user=None):
    """The cover, the summary and the stops, cut into parts that can be rendered side by side and kept.

    Pages carry no header, footer or page number: stamp() adds them to the joined list.
    """
    stops = selection.stops
    common = common_context(selection)

    def render(template, **context):
        return render_to_string(f"reports/{template}", {**common, **context})

    result = [Part("cover", render("risk_list_cover.html", overview_map=mark_safe(overview_svg(stops)),
                                   prepared_for=(user.get_full_name() or user.username) if user else ""), {})]
    for number, pages in enumerate(chunks(summary_pages(stops), SUMMARY_PAGES_PER_PART), start=1):
        result.append(Part(f"summary-{number}", render("risk_list_summary.html", summary_pages=pages), {}))
    size = max(STOPS_PER_PAGE, settings.REPORT_STOPS_PER_PART // STOPS_PER_PAGE * STOPS_PER_PAGE)
    for chunk in chunks(stops, size):
        for stop in chunk:
            stop.qr_url = f"{GENERATED_URL}qr-{stop.number}.png"
        qr_codes = {f"qr-{stop.number}.png": stop.url for stop in chunk}
        result.append(Part(f"stops-{chunk[0].number}", render("risk_list_stops.html", stops=chunk), qr_codes,
                           stops=len(chunk)))
    return result


def html_to_pdf(html, qr_codes=None):
    """A PDF from report HTML, reading only what LocalFetcher allows; `qr_codes` are made here."""
    generated = {name: (qr_png(url), "image/png") for name, url in (qr_codes or {}).items()}
    fetcher = LocalFetcher(generated)
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=fetcher).render(
        font_config=FontConfiguration()
    )
    return document.write_pdf()


def frame(selection, total):
    """What changes with every download, as two PDFs: the header sheet, and the page labels (kept by count)."""
    common = common_context(selection)
    sizes = {"label_width_mm": LABEL_WIDTH_MM, "label_height_mm": LABEL_HEIGHT_MM}
    labels = [_("Page %(page)s of %(pages)s") % {"page": n, "pages": total} for n in range(1, total + 1)]
    labels_html = render_to_string("reports/risk_list_frame.html", {**common, **sizes, "labels": labels})
    key = cache.key(labels_html, {})
    labels_pdf = cache.get(key)
    if labels_pdf is None:
        labels_pdf = html_to_pdf(labels_html)
        cache.put(key, labels_pdf)
    generated = _("Generated") + " " + timezone.localtime(selection.generated_at).strftime("%Y-%m-%d %H:%M")
    sheet_pdf = html_to_pdf(render_to_string("reports/risk_list_frame.html", {
        **common, **sizes, "header_title": mark_safe(css_string(selection.title)),
        "header_generated": mark_safe(css_string(generated)),
    }))
    return sheet_pdf, labels_pdf


def stamp(pdfs, sheet_pdf, labels_pdf):
    """One PDF from the parts, in order, each page stamped with the header sheet and its "page N of M"."""
    out = pikepdf.new()
    sources = [pikepdf.open(io.BytesIO(data)) for data in pdfs]
    for source in sources:
        out.pages.extend(source.pages)
    out.docinfo = out.copy_foreign(sources[0].docinfo)
    sheet, labels = pikepdf.open(io.BytesIO(sheet_pdf)), pikepdf.open(io.BytesIO(labels_pdf))
    header = out.copy_foreign(sheet.pages[0].as_form_xobject())
    for page, label in zip(out.pages, labels.pages, strict=True):
        page.add_overlay(header, pikepdf.Rectangle(*page.mediabox))
        page.add_overlay(out.copy_foreign(label.as_form_xobject()), LABEL_RECT)
    result = io.BytesIO()
    out.save(result)
    return result.getvalue()


def render_risk_list(selection, user=None, progress=lambda done, phase: None):
    """The risk list as a PDF, laying out only the parts not kept from an earlier download."""
    fonts.cut_font_file()
    all_parts = parts(selection, user)
    kept = {part.name: cache.get(part.key) for part in all_parts}
    missing = [part for part in all_parts if kept[part.name] is None]
    done = sum(part.stops for part in all_parts if kept[part.name] is not None)
    progress(done, "rendering")

    def part_done(index):
        nonlocal done
        done += missing[index].stops
        progress(done, "rendering")

    # A short list (a typical tour) is quicker laid out here than handed to the workers.
    side_by_side = sum(part.stops for part in missing) > settings.REPORT_STOPS_PER_PART
    for part, data in zip(missing, workers.render_all([(part.html, part.qr_codes) for part in missing],
                                                      side_by_side=side_by_side, done=part_done)):
        cache.put(part.key, data)
        kept[part.name] = data
    progress(done, "joining")
    sheet_pdf, labels_pdf = frame(selection, page_count(len(selection.stops)))
    data = stamp([kept[part.name] for part in all_parts], sheet_pdf, labels_pdf)
    return Rendered(data, [part.name for part in missing], [part.name for part in all_parts if part not in missing])


def risk_list_pdf(selection, user=None, progress=lambda done, phase: None):
    """The risk list as PDF bytes."""
    return render_risk_list(selection, user, progress).data
