"""manage.py import_river FILE --river CODE [--crs EPSG] [--source TEXT] [--approximate] [--confirm] [--dry-run]"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hazards.imports.rivers import apply_river, plan_river
from hazards.models import River

from .import_hazards import crs_option, default_user


class Command(BaseCommand):
    help = ("Replace a river's centerline with a surveyed one and measure every hazard, reach, patrol and village "
            "along it again, in one transaction.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--river", required=True, help="The river's code, e.g. xiaotaihou.")
        parser.add_argument("--crs", type=crs_option, help="EPSG code of the coordinates, if the file does not say.")
        parser.add_argument("--source", default="", help="Who surveyed the line, when, how accurate.")
        parser.add_argument("--approximate", action="store_true", help="The new line is still approximate.")
        parser.add_argument("--confirm", action="store_true",
                            help="Import even though hazards end up further than MAX_RIVER_DISTANCE_M from it.")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--user")

    def handle(self, *args, **options):
        try:
            river = River.objects.get(code=options["river"])
        except River.DoesNotExist:
            raise CommandError(f"No river {options['river']!r}; rivers: "
                               + ", ".join(River.objects.values_list("code", flat=True)))
        plan = plan_river(options["file"], river, srid=options["crs"])
        if plan.problems:
            raise CommandError(" ".join(plan.problems))
        report = plan.as_report()
        self.stdout.write(json.dumps({k: report[k] for k in ("old_length_m", "new_length_m", "reversed", "too_far")},
                                     ensure_ascii=False))
        for move in report["hazards"]:
            self.stdout.write(f"  {move['code']}: {move['old_chainage']} -> {move['new_chainage']} "
                              f"({move['moved_m']:+.1f} m, {move['offset_m']:.0f} m from the line)")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            record = apply_river(plan, user=default_user(options["user"]), source_note=options["source"],
                                 approximate=options["approximate"], confirm_far=options["confirm"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages))
        self.stdout.write(self.style.SUCCESS(f"The {river.code} line was replaced (import #{record.pk})."))
