"""Generate N realistic hazards with their works, photos, patrols and history (benchmarks and demos only)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from hazards import generate


class Command(BaseCommand):
    help = ("Add N generated hazards (codes like CBH-G0000001) along the centerlines, with work orders, progress "
            "updates, photos, acceptances, patrols and history. For benchmarks and demos only: refused unless "
            "DEBUG or FLOODWATCH_TESTING is on (or --i-know), and on a database holding real hazards (unless --force).")

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, help="how many hazards to add")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same data")
        parser.add_argument("--i-know", action="store_true", dest="i_know",
                            help="run although neither DEBUG nor FLOODWATCH_TESTING is on")
        parser.add_argument("--force", action="store_true",
                            help="run although the database holds hazards that were not generated")

    def handle(self, *args, n, seed, i_know, force, **options):
        if not (generate.allowed() or i_know):
            raise CommandError("Generated data is for benchmarks and demos: set DEBUG=1 (make run does), or pass "
                               "--i-know if this really is not a production database.")
        if n < 1 or n > 10_000_000:
            raise CommandError("N must be between 1 and 10,000,000.")
        call_command("load_gis_data", stdout=self.stdout if options["verbosity"] > 1 else None)
        if generate.holds_real_data() and not force:
            raise CommandError("This database holds hazards that were neither generated nor the demo's: generated "
                               "ones would mix with them. Use an empty database, or --force.")
        start = time.perf_counter()
        report = self.stdout.write if options["verbosity"] else (lambda text: None)
        counts = generate.generate(n, seed=seed, progress=lambda text: report(f"  {text} ({time.perf_counter() - start:.0f} s)"))
        report(f"Generated {counts} in {time.perf_counter() - start:.1f} s.")
