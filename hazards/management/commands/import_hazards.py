"""manage.py import_hazards FILE [--dry-run] [--skip-bad-rows] [--crs EPSG] [--from-gcj02|--from-bd09] [--user NAME]"""

import json
import time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hazards import geo
from hazards.imports import reports
from hazards.imports.registers import Options, import_file


def crs_option(value):
    """An EPSG code, as 4548 or EPSG:4548: only an integer ever reaches GDAL."""
    text = str(value).strip().upper().removeprefix("EPSG:")
    if not text.isdigit() or not geo.crs_is_known(int(text)):
        raise CommandError(f"--crs takes an EPSG code such as 4548 or EPSG:4490, not {value!r}.")
    return int(text)


def default_user(username):
    """Whose import the history records: the named user, else the first superuser."""
    users = get_user_model().objects
    if username:
        try:
            return users.get(username=username)
        except users.model.DoesNotExist:
            raise CommandError(f"No user {username}.")
    return users.filter(is_superuser=True).order_by("pk").first()


class Command(BaseCommand):
    help = "Import hazards from a register: XLSX, CSV, GeoJSON, KML, KMZ, a zipped Shapefile or a GeoPackage."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument("--skip-bad-rows", action="store_true", help="Import the good rows of a file with bad ones.")
        parser.add_argument("--crs", type=crs_option, help="EPSG code of the coordinates, if the file does not say.")
        shift = parser.add_mutually_exclusive_group()
        shift.add_argument("--from-gcj02", action="store_true", help="Coordinates copied from Amap or Tencent maps.")
        shift.add_argument("--from-bd09", action="store_true", help="Coordinates copied from Baidu maps.")
        parser.add_argument("--mapping", help='Columns by hand, as JSON: {"header": "field", ...}.')
        parser.add_argument("--user", help="Whose import the history records (default: the first superuser).")
        parser.add_argument("--report", help="Write the report to this file (.csv, .xlsx or .json).")

    def handle(self, *args, **options):
        user = default_user(options["user"])
        mapping = json.loads(options["mapping"]) if options["mapping"] else None
        choice = Options(mapping=mapping, srid=options["crs"], skip_bad_rows=options["skip_bad_rows"],
                         shift="gcj02" if options["from_gcj02"] else "bd09" if options["from_bd09"] else "")
        started = time.perf_counter()
        try:
            plan, record = import_file(options["file"], choice, user=user, dry_run=options["dry_run"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages))
        report = plan.as_report() if record is None else record.report
        self.stdout.write(reports.as_text(report))
        if options["report"]:
            with open(options["report"], "wb") as out:
                out.write(reports.render(report, options["report"].rsplit(".", 1)[-1].lower()))
        seconds = time.perf_counter() - started
        if record:
            self.stdout.write(self.style.SUCCESS(
                f"Imported {record.created_count} new and {record.updated_count} updated hazards "
                f"(import #{record.pk}, {seconds:.1f} s)."))
        elif options["dry_run"]:
            self.stdout.write(f"Dry run: nothing was written ({seconds:.1f} s).")
        else:
            raise CommandError("Nothing was imported: " + (
                "the file has bad rows (fix them, or use --skip-bad-rows)." if plan.problems else "no rows to import."))
