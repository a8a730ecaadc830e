"""Spreadsheets as offices keep them: XLSX (openpyxl) and CSV, Chinese headers, title rows above the header.

The header is the first row (of the first 20) in which at least two cells
name a known column (mapping.match_header): a merged title such as
"萧太后河碍洪点风险清单" above it, or a line of notes, is skipped.
"""

import csv
import io
import warnings

import openpyxl
from django.utils.translation import gettext as _

from .files import FileRefused
from .mapping import match_header
from .table import Row, Table, check_row_count

HEADER_SEARCH_ROWS = 20
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312, which Excel in China writes


def find_header(rows, name, match=match_header):
    """(index, headers) of the header row among the first rows: the first with two column names `match` knows,
    else the first row with two cells filled, for the user to map by hand."""
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [_text(cell) for cell in cells]
        if sum(1 for header in headers if header and match(header)) >= 2:
            return index, headers
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [_text(cell) for cell in cells]
        if sum(1 for header in headers if header) >= 2:
            return index, headers
    raise FileRefused(
        _("%(name)s has no header row in its first %(n)s rows. Name the columns, e.g. 编号, 名称, 河道, 经度, 纬度, "
          "类型 (or code, title, river, longitude, latitude, kind).") % {"name": name, "n": HEADER_SEARCH_ROWS})


def _text(value):
    return "" if value is None else str(value).strip()


def _rows_to_table(numbered_rows, name, match=match_header):
    """Table from [(row number, [cells])] with the header found among them; blank rows are dropped."""
    cells_only = [cells for _, cells in numbered_rows[:HEADER_SEARCH_ROWS]]
    index, headers = find_header(cells_only, name, match)
    headers = [header or f"({_('column')} {n + 1})" for n, header in enumerate(headers)]
    rows = []
    for number, cells in numbered_rows[index + 1:]:
        if all(_text(cell) == "" for cell in cells):
            continue
        values = dict(zip(headers, list(cells) + [None] * (len(headers) - len(cells))))
        rows.append(Row(number=number, values=values))
    check_row_count(len(rows), name)
    return Table(headers=headers, rows=rows, header_row=numbered_rows[index][0])


def read_csv(upload, match=match_header):
    """A CSV file in UTF-8 (with or without BOM) or GBK/GB18030; lines that decode in neither are bad rows."""
    data = upload.path.read_bytes()
    text, bad_lines = _decode(data, upload.name)
    numbered, reader = [], csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            numbered.append((reader.line_num, cells))
    except csv.Error as error:
        raise FileRefused(_("%(name)s is not a CSV file we can read (line %(line)s: %(detail)s).")
                          % {"name": upload.name, "line": reader.line_num, "detail": error})
    table = _rows_to_table(numbered, upload.name, match)
    for row in table.rows:
        if row.number in bad_lines:
            row.problems.append(("", _("This line is not valid UTF-8 or GBK text (bad encoding).")))
    return table


def _decode(data, name):
    """The text, and the line numbers that could not be decoded (replaced by blanks' worth of characters)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), set()
        except UnicodeDecodeError:
            continue
    # Mostly good text with a few broken lines: decode line by line with the encoding most lines accept.
    lines = data.split(b"\n")
    best = max(ENCODINGS, key=lambda enc: sum(_decodes(line, enc) for line in lines))
    if sum(_decodes(line, best) for line in lines) < len(lines) / 2:
        raise FileRefused(_("%(name)s is not text in UTF-8 or GBK (bad encoding).") % {"name": name})
    bad = {n for n, line in enumerate(lines, start=1) if not _decodes(line, best)}
    return "\n".join(line.decode(best, errors="replace") for line in lines), bad


def _decodes(line, encoding):
    try:
        line.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def read_xlsx(upload, match=match_header):
    """The first sheet with a recognised header row; percentages as Excel shows them (0.3 formatted as 30 %)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and data validation it does not read
            book = openpyxl.load_workbook(upload.path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(_("%(name)s is not an Excel workbook we can read (%(detail)s).")
                          % {"name": upload.name, "detail": str(error)[:100] or error.__class__.__name__})
    try:
        refusal = None
        for sheet in book.worksheets:
            try:
                return _rows_to_table(_sheet_rows(sheet, upload.name), upload.name, match)
            except FileRefused as error:
                refusal = refusal or error
        raise refusal or FileRefused(_("%(name)s has no sheets.") % {"name": upload.name})
    finally:
        book.close()


def _sheet_rows(sheet, name):
    numbered = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        values = []
        for cell in cells:
            value = getattr(cell, "value", None)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
                value = value * 100
            values.append(value)
        numbered.append((number, values))
        check_row_count(len(numbered) - HEADER_SEARCH_ROWS, name)
    return numbered
