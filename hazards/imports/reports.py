"""An import's report (registers.Plan.as_report) as text, CSV (with BOM, for Excel), XLSX or JSON."""

import csv
import io
import json

from django.utils.translation import gettext as _

from ..exports import xlsx_bytes
from ..reports.csv_export import cell


def header():
    return [_("Row"), _("Outcome"), _("Code"), _("Title"), _("Field"), _("Reason or change")]


def lines(report):
    """One line per created, updated, unchanged or bad row, then the file's warnings, in row order."""
    out = []
    for item in report["creates"]:
        out.append([item["row"], _("create"), item["code"], item["title"], "", item.get("chainage", "")])
    for item in report["updates"]:
        out.append([item["row"], _("update"), item["code"], item["title"], ", ".join(item["changed"]), ""])
    for item in report["unchanged"]:
        out.append([item["row"], _("unchanged"), item["code"], "", "", ""])
    for item in report["problems"]:
        out.append([item["row"] or "", _("bad row") if item["row"] else _("file refused"), item.get("code", ""),
                    item.get("title", ""), item["field"], item["reason"]])
    out.sort(key=lambda line: (line[0] == "", line[0] if line[0] != "" else 0))
    out += [["", _("warning"), "", "", "", warning] for warning in report["warnings"]]
    return out


def as_text(report):
    counts = _("%(file)s: %(rows)s rows; %(creates)s to create, %(updates)s to update, %(unchanged)s unchanged, "
               "%(bad)s bad rows.") % {
        "file": report["file"], "rows": report["rows"], "creates": len(report["creates"]),
        "updates": len(report["updates"]), "unchanged": len(report["unchanged"]),
        "bad": len({p["row"] for p in report["problems"] if p["row"]})}
    text = [counts]
    for problem in report["problems"]:
        where = _("row %(row)s") % {"row": problem["row"]} if problem["row"] else _("file")
        text.append(f"  {where}" + (f" [{problem['field']}]" if problem["field"] else "") + f": {problem['reason']}")
    text += [f"  {_('warning')}: {warning}" for warning in report["warnings"]]
    return "\n".join(text) + "\n"


def render(report, extension):
    """The report as the bytes of a .csv, .xlsx or .json file."""
    if extension == "json":
        return json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")
    if extension == "xlsx":
        return xlsx_bytes(_("Import report"), header(), lines(report))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header())
    writer.writerows([cell(value) for value in line] for line in lines(report))
    return out.getvalue().encode("utf-8")
