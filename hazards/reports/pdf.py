"""The risk-list PDF: cover with counts, overview map, summary table, one block per stop.

Rendered by WeasyPrint from templates/reports/risk_list.html. It reads only
what LocalFetcher allows (our static and media files, the cut font, and the
QR codes made here in memory), and sets its Chinese in the cut Noto Sans CJK
face, with the full face behind it for rare characters.
"""

import io
import re

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from . import fonts
from .fetcher import FONT_URL, GENERATED_URL, LocalFetcher
from .overview_map import overview_svg

# Choosing the best of the eight QR masks takes 2 ms a code, 2 s for a thousand stops; any
# mask reads (zbar reads them all in the tests), so take one. Printed 18 mm wide, a module is 0.5 mm.
QR_MASK = 4


def qr_png(url):
    """A QR code for the URL, as PNG bytes."""
    out = io.BytesIO()
    segno.make_qr(url, error="m", mask=QR_MASK).save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def css_string(text):
    """Text as a quoted CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


def page_counter_css():
    """The translated "Page N of M" as CSS content with the page counters."""
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s"))
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    return " ".join(counters.get(part) or css_string(part) for part in parts if part)


def context(selection, user=None):
    generated_at = timezone.localtime(selection.generated_at)
    return {
        "selection": selection,
        "stops": selection.stops,
        "overview_map": mark_safe(overview_svg(selection.stops)),
        "generated_at": generated_at,
        "prepared_for": user.get_full_name() or user.username if user else "",
        "font_url": FONT_URL + fonts.cut_font_path().name,
        "font_family": css_string(fonts.FAMILY),
        "fallback_family": css_string(fonts.FALLBACK_FAMILY),
        "page_counter": mark_safe(page_counter_css()),
    }


def qr_images(selection):
    """The QR code of every stop, as images for the fetcher; each stop learns its image's URL."""
    images = {}
    for stop in selection.stops:
        name = f"qr-{stop.number}.png"
        images[name] = (qr_png(stop.url), "image/png")
        stop.qr_url = GENERATED_URL + name
    return images


def render_html(selection, user=None):
    fonts.cut_font_file()
    return render_to_string("reports/risk_list.html", context(selection, user))


def html_to_pdf(html, generated=None):
    """A PDF from report HTML, reading only what LocalFetcher allows."""
    fetcher = LocalFetcher(generated)
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=fetcher).render(
        font_config=FontConfiguration()
    )
    return document.write_pdf()


def risk_list_pdf(selection, user=None):
    """The risk list as PDF bytes."""
    images = qr_images(selection)
    return html_to_pdf(render_html(selection, user), images)
