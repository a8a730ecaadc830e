"""manage.py restore PATH: bring a backup back into an empty installation."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from hazards import backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup` into this installation's database and MEDIA_ROOT. "
        "Every file is checked against the backup's manifest before anything changes. Stop the app first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="the backup's .tar file")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already has users or hazards")
        parser.add_argument("--check", action="store_true",
                            help="only verify that the backup is complete and could be restored here")

    def handle(self, *args, path, force, check, **options):
        try:
            backup.restore(path, connection=connection, media_root=settings.MEDIA_ROOT, force=force,
                           check_only=check, log=self.stdout.write)
        except (backup.BackupError, DatabaseError) as error:  # DatabaseError: cannot connect, say
            raise CommandError(str(error))
