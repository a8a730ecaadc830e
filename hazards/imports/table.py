"""What every reader gives the import: a table of rows, each with its number in the file and maybe a geometry."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from .files import FileRefused


@dataclass
class Row:
    number: int  # as the user finds it: the spreadsheet's row number, or the feature's place in the file
    values: dict  # header -> value as read
    geometry: object = None  # a GEOS geometry in the table's CRS, for GIS formats
    problems: list = field(default_factory=list)  # [(column or field, message)] found while reading


@dataclass
class Table:
    headers: list
    rows: list
    srid: int | None = None  # the coordinates' EPSG code, if the file says; None: not said
    warnings: list = field(default_factory=list)
    header_row: int | None = None  # for spreadsheets: the row the headers were found on
    has_geometry: bool = False


def check_row_count(count, name):
    if count > settings.MAX_IMPORT_ROWS:
        raise FileRefused(_("%(name)s has more than %(max)s rows; an import accepts at most %(max)s. Split the file.")
                          % {"name": name, "max": f"{settings.MAX_IMPORT_ROWS:,}"})
