"""`manage.py jobs_worker`: a worker for the job backend settings.JOBS_BACKEND names (hazards/jobs.py)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Run background jobs (risk lists, exports, imports): the database backend's worker, or RQ's on Redis. "
            "Stop it with SIGTERM or Ctrl-C: it finishes the job it is on first.")

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Run the jobs waiting now, then stop.")

    def handle(self, *args, burst=False, verbosity=1, **options):
        if settings.JOBS_BACKEND == "database":
            # Polled every 0.2 s: a tour's risk list is waited for by its request.
            call_command("db_worker", queue_name="default", interval=0.2, startup_delay=False, reload=False,
                         batch=burst, verbosity=verbosity)
        elif settings.JOBS_BACKEND == "rq":
            # RQ forks a work horse for each job: a job that runs out of memory takes only itself down.
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", burst=burst, verbosity=verbosity)
        else:
            raise CommandError(f"JOBS_BACKEND={settings.JOBS_BACKEND} runs jobs in the request: there is no worker.")
