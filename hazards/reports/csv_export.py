"""The risk list as CSV, for a spreadsheet: the same stops, in the same order, as the PDF.

header() and row() are the risk list's columns, the one definition that the
CSV here and the XLSX export (hazards/exports.py) share.
"""

import csv
import io

from django.utils.translation import gettext as _

# A cell starting with one of these is a formula to a spreadsheet: never let user text become one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def header():
    return [
        _("No."), _("Code"), _("Title"), _("River"), _("Chainage"), _("Chainage (m)"), _("Bank"), _("Town"),
        _("Village"), _("Kind"), _("In the main channel"), _("Blocked (%)"), _("Risk level"),
        _("Reason for the manual risk level"), _("Status"), _("Responsible unit"), _("Responsible people"),
        _("Works status"), _("Progress (%)"), _("Deadline"), _("Overdue"), _("Interim measure"), _("Description"),
        _("Latest note"), _("Latest note date"), _("Latitude"), _("Longitude"), _("Page"),
    ]


def row(stop):
    h, order, note = stop.hazard, stop.order, stop.note
    return [
        stop.number, h.code, h.title, h.river.name, h.chainage, round(h.chainage_m), h.get_bank_display(),
        h.town.name if h.town else "", h.village.name if h.village else "", h.get_kind_display(), h.in_main_channel,
        f"{h.blockage_pct:g}", h.get_risk_level_display(), h.risk_override_reason, h.get_status_display(),
        stop.responsible_unit, stop.responsible_people, order.get_status_display() if order else "",
        order.progress_pct if order else "", order.deadline.isoformat() if order else "", stop.overdue,
        h.interim_measure, h.description, note.note if note else "",
        note.created_at.date().isoformat() if note else "",
        # Eight decimals: a millimetre, so that a list exported and imported again keeps its points.
        f"{h.location.y:.8f}", f"{h.location.x:.8f}", stop.url,
    ]


def csv_text(selection):
    """The selection as CSV text, with a BOM so that Excel reads the Chinese as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header())
    for stop in selection.stops:
        writer.writerow([cell(value) for value in row(stop)])
    return out.getvalue()
