"""Remove photos kept across a failed submit once their token has expired (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from hazards import photos


class Command(BaseCommand):
    help = "Remove photos kept under media/pending/ for a form's next try once no token can bring them back."

    def handle(self, *args, **options):
        removed = photos.expire_pending()
        hours = photos.PENDING_MAX_AGE // 3600
        self.stdout.write(f"Removed {removed} kept photos older than {hours} hours.")
