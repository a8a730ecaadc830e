"""Background jobs: risk lists, hazard exports and imports that take longer than a web request may.

Django's tasks interface (the django-tasks backport of Django 6's django.tasks) runs `run_job`;
settings.JOBS_BACKEND picks the backend: the database (the default: `make run` and `make serve`
start `manage.py db_worker` beside the server) or RQ on Redis (`manage.py rqworker`, on as many
machines as needed). The task carries only a Job's id: the Job row (models/jobs.py) holds what the
user asked for, how far it got (done of total, the step), and where its result is.

A job is safe to deliver twice: Job.claim lets one worker take it, its result has one fixed place
(written whole, then renamed), and an import commits the Job's "done" in its own transaction. A
job whose worker dies stops beating and is marked failed (JobQuerySet.fail_stale).
"""

import contextlib
import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from . import exports
from .imports import pending
from .imports.registers import Options, apply_import, import_file
from .models import Job
from .models.jobs import HEARTBEAT_SECONDS
from .reports import csv_export, pdf
from .reports.selection import SelectionError, SelectionTooLarge, select
from .reports.tours import get_tour_for_user

logger = logging.getLogger(__name__)

# The steps a job reports, as the progress bar names them.
PHASES = {
    "": gettext_lazy("Waiting for a worker"),
    "selecting": gettext_lazy("Reading the hazards"),
    "rendering": gettext_lazy("Stops laid out"),
    "joining": gettext_lazy("Putting the pages together"),
    "writing": gettext_lazy("Writing the file"),
    "read": gettext_lazy("Rows read"),
    "checked values": gettext_lazy("Rows checked"),
    "placed": gettext_lazy("Rows placed on the rivers"),
    "checked": gettext_lazy("Rows checked"),
    "written": gettext_lazy("Hazards written"),
}
RISK_LIST_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


class JobRefused(Exception):
    """The job cannot be done as asked; the message says why, in plain words, to the user."""


class TooManyJobs(Exception):
    """The user already has JOBS_PER_USER jobs waiting or running."""


def start(kind, user, *, title, params, total=0):
    """Record a job and hand it to the workers; returns the Job (already finished with the immediate backend)."""
    Job.objects.fail_stale()
    Job.objects.delete_expired()
    if Job.objects.filter(user=user).unfinished().count() >= settings.JOBS_PER_USER:
        raise TooManyJobs
    job = Job.objects.create(kind=kind, user=user, title=title[:200], params=params, total=total,
                             language=translation.get_language() or settings.LANGUAGE_CODE)
    try:
        result = run_job.enqueue(job.pk)
    except Exception:  # the queue cannot be reached (Redis down): say so on the job, not with a 500
        logger.exception("Could not enqueue job %s", job.pk)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, finished_at=timezone.now(), error=_(
            "The job queue cannot be reached just now; nothing was made. Try again in a few minutes."))
    else:
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def wait(job, seconds):
    """Wait up to `seconds` for the job to finish; True if it did."""
    deadline = time.monotonic() + seconds
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db(fields=["status", "done", "total", "phase", "error", "result_name", "result_type",
                                    "result_size", "finished_at"])
    return job.is_finished


def progress_of(job):
    """(done, total, phase) as last reported: the cache holds what a job said inside a transaction."""
    reported = cache.get(_progress_key(job.pk)) if job.status == Job.Status.RUNNING else None
    if reported and reported[0] >= job.done:
        return reported
    return job.done, job.total, job.phase


@task()
def run_job(job_id):
    """Run one Job, unless another worker has it or it is finished."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not job.claim():
        return "skipped"
    with _heartbeat(job.pk), translation.override(job.language):
        try:
            RUNNERS[job.kind](job, Progress(job.pk))
        except JobRefused as refused:
            _fail(job, str(refused))
        except Exception:
            _fail(job, _("Something went wrong while making it; the office's administrator can see why in the "
                         "server's log. Try again, or ask for a smaller selection."))
            raise
    return job.status


class Progress:
    """The callback a job reports through: done of total, and the step it is at.

    Written to the Job row at most a few times a second; inside a transaction (an import's writes)
    the row cannot be, so it goes to the shared cache as well, where the status page reads it.
    """

    def __init__(self, pk):
        self.pk, self.written_at = pk, 0.0

    def __call__(self, done, total, phase):
        cache.set(_progress_key(self.pk), (done, total, phase), timeout=3600)
        now = time.monotonic()
        if connection.in_atomic_block or (done < total and now - self.written_at < 0.3):
            return
        self.written_at = now
        Job.objects.filter(pk=self.pk).update(done=done, total=total, phase=phase, heartbeat_at=timezone.now())


def _progress_key(pk):
    return f"job-progress:{pk}"


@contextlib.contextmanager
def _heartbeat(pk):
    """Beat every HEARTBEAT_SECONDS while the job runs, from a thread: long steps report no progress."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                with contextlib.suppress(DatabaseError):
                    Job.objects.filter(pk=pk, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _store(job, content, name, content_type, **fields):
    """Write the result whole, then rename it into its one place, and mark the job done."""
    directory = Job.directory_of(job.pk)
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f"result.{os.getpid()}.part"
    partial.write_bytes(content)
    os.replace(partial, job.result_path)
    _finish(job, result_name=name, result_type=content_type, result_size=len(content), **fields)


def _finish(job, **fields):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished_at=timezone.now(), done=job.total or 1,
                                         total=job.total or 1, error="", **fields)
    job.refresh_from_db()


def _fail(job, message):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, finished_at=timezone.now(), error=message[:2000])
    job.refresh_from_db()


def _stamp():
    return timezone.localtime().strftime("%Y%m%d-%H%M")


# What each kind of job does -----------------------------------------------------------------------

def _selection(job, progress):
    """The risk list's selection the job was asked for, as the user may see it now."""
    progress(0, job.total, "selecting")
    query = QueryDict(mutable=True)
    for name, value in job.params.get("query", []):
        query.appendlist(name, value)
    try:
        tour = get_tour_for_user(job.user, job.params["tour"]) if job.params.get("tour") else None
        selection = select(query, tour=tour, max_stops=settings.REPORT_MAX_STOPS)
    except Http404:
        raise JobRefused(_("The tour this list was asked from has been deleted."))
    except SelectionError as error:
        raise JobRefused("; ".join(f"{name}: {text}" for name, text in error.errors.items()))
    except SelectionTooLarge as error:
        raise JobRefused(_("This list would now have %(count)s stops; at most %(limit)s can be printed at once.")
                         % {"count": error.count, "limit": error.limit})
    job.total = len(selection.stops)
    return selection


def _risk_list(job, progress):
    extension = job.params["extension"]
    selection = _selection(job, progress)
    if extension == "pdf":
        content = pdf.risk_list_pdf(selection, job.user,
                                    progress=lambda done, phase: progress(done, job.total, phase))
    else:
        content = csv_export.csv_text(selection).encode("utf-8")
    _store(job, content, f"risk-list-{_stamp()}.{extension}", RISK_LIST_TYPES[extension])


def _export(job, progress):
    extension = job.params["extension"]
    selection = _selection(job, progress)
    progress(0, job.total, "writing")
    content_type, render = exports.HAZARD_FORMATS[extension]
    _store(job, render(selection), f"hazards-{_stamp()}.{extension}", content_type)


def _import(job, progress):
    """Check the upload again (the register may have changed since the dry run), then write it, all or nothing."""
    token = job.params["token"]
    kept = pending.upload_of(token, job.user)
    if kept is None:
        raise JobRefused(_("That upload has expired or is not yours; upload the file again."))
    path, name = kept
    plan, _record = import_file(path, Options(**job.params["options"]), user=job.user, name=name, dry_run=True,
                                progress=progress)
    pending.save_report(token, job.user, {**plan.as_report(), "headers": plan.headers})
    if not plan.can_apply:
        raise JobRefused(
            _("Nothing was imported: fix the bad rows, or choose to skip them.") if plan.problems
            else _("Nothing was imported: every row is already in the register as it is."))
    job.total = len(plan.creates) + len(plan.updates)
    progress(0, job.total, "written")
    try:
        # The job is marked done in the import's own transaction: run again, it finds itself done.
        with transaction.atomic():
            record = apply_import(plan, user=job.user, progress=progress)
            _finish(job, import_record=record)
    except ValidationError as error:
        raise JobRefused(" ".join(error.messages))
    pending.forget(token, job.user)


RUNNERS = {Job.Kind.RISK_LIST: _risk_list, Job.Kind.EXPORT: _export, Job.Kind.IMPORT: _import}
