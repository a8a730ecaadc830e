"""manage.py backup [DIR]: a consistent backup of the database and photos, taken while the app runs."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from hazards import backup

DEFAULT_DIRECTORY = settings.BASE_DIR / "var" / "backups"


class Command(BaseCommand):
    help = (
        "Write a backup of the database (SpatiaLite or PostGIS), the photos and a manifest into one .tar file "
        "in DIR (default var/backups/), named with the time. Safe while the app is in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(DEFAULT_DIRECTORY), metavar="DIR")

    def handle(self, *args, directory, **options):
        try:
            path, manifest = backup.create(
                directory, connection=connection, media_root=settings.MEDIA_ROOT, log=self.stderr.write
            )
        except (backup.BackupError, DatabaseError) as error:  # DatabaseError: cannot connect, say
            raise CommandError(str(error))
        if options["verbosity"]:
            self.stdout.write(f"Backed up {backup.describe(manifest)} to {path}")
