"""`manage.py serve` (make serve): gunicorn with several workers, a job worker and the clock beside it, on one machine.

Settings come from the environment as always (SECRET_KEY and ALLOWED_HOSTS at least: README,
Deployment). Web workers never render PDFs: risk lists are jobs, rendered by the job worker.
Ctrl-C or SIGTERM stops them all cleanly: gunicorn finishes the requests under way, the job worker
the job it is on; whatever is still running after the grace period is killed.
`--dev` runs Django's runserver instead of gunicorn (make run).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

GRACE_S = 30


class Command(BaseCommand):
    help = "Serve Floodwatch with gunicorn (or runserver with --dev) and a background-job worker; stop both together."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
        parser.add_argument("--dev", action="store_true", help="runserver instead of gunicorn (development)")

    def handle(self, *args, bind, workers, dev, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        web = manage + ["runserver", "--noreload", bind] if dev else [
            sys.executable, "-m", "gunicorn", "floodwatch.wsgi", "--bind", bind, "--workers", str(workers),
            "--timeout", "60", "--graceful-timeout", str(GRACE_S - 5), "--access-logfile", "-"]
        commands = [web]
        if settings.JOBS_BACKEND != "immediate":
            commands.append(manage + ["jobs_worker"])
        # The clock: calls past their deadline, orders due and overdue, the leaders' digest. Its rounds are
        # idempotent, so a second machine running it too (or cron's `--once`) sends nothing twice.
        commands.append(manage + ["run_response_timers"])
        # Their own sessions: Ctrl-C reaches this process only, which stops each child once, cleanly.
        processes = [subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True) for command in commands]
        stopping = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: stopping.append(signum))
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.2)
        self._stop(processes)
        failed = [process for process in processes if process.returncode not in (0, -signal.SIGTERM)]
        if not stopping and failed:
            sys.exit(1)

    def _stop(self, processes):
        """SIGTERM to all, then wait; kill what is still running after GRACE_S."""
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_S
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
