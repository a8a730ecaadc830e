"""The timers: escalate calls past their deadline, write what the clock brings (orders due and overdue,
acknowledgements not given, the leaders' digest: notifications.sweep), send the notices not yet sent.

Runs beside the web server (`make run` starts it) and never inside a request.
Everything it acts on is in the database (each call's deadline, each notice's
state), so a restart loses nothing: the next round picks up where the last
stopped, and running two at once escalates nothing twice (services.escalate_due).
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from hazards import notifications, notify, services


class Command(BaseCommand):
    help = ("Escalate unconfirmed calls past their deadline, write the notices due by the clock and send pending "
            "notices, every RESPONSE_TIMER_SECONDS.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One round, then exit (cron, tests).")
        parser.add_argument("--every", type=int, default=None, help="Seconds between rounds (RESPONSE_TIMER_SECONDS).")

    def handle(self, *args, once=False, every=None, **options):
        every = every or settings.RESPONSE_TIMER_SECONDS
        try:
            self.loop(once, every)
        except KeyboardInterrupt:
            pass  # Ctrl-C on `make run` stops the server and this together

    def loop(self, once, every):
        while True:
            close_old_connections()  # a database restarted meanwhile is reconnected to, not fatal
            escalated = services.escalate_due()
            written = sum(notifications.sweep().values())
            sent = notify.deliver_pending()
            if escalated or written or sent or once:
                self.stdout.write(f"{len(escalated)} calls escalated, {written} notices due by the clock written, "
                                  f"{sent} notices sent.")
            if once:
                return
            time.sleep(every)
