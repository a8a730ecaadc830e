"""Background jobs (hazards/jobs.py): what a user asked for, how far it got, and its result."""

import datetime
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .text import TEXT_MAX_LENGTH

# A running job's worker writes its heartbeat this often; a job silent for STALE_AFTER has lost its
# worker (killed, out of memory, machine gone) and is marked failed rather than left running forever.
HEARTBEAT_SECONDS = 10
STALE_AFTER = datetime.timedelta(seconds=120)


class JobQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])

    def fail_stale(self):
        """Mark failed the running jobs whose worker stopped beating; returns how many."""
        silent = timezone.now() - STALE_AFTER
        return self.filter(status=Job.Status.RUNNING, heartbeat_at__lt=silent).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=Job.LOST_WORKER)

    def expired(self):
        limit = timezone.now() - datetime.timedelta(hours=settings.JOB_RESULT_HOURS)
        return self.filter(Q(status__in=[Job.Status.DONE, Job.Status.FAILED]), finished_at__lt=limit)

    def delete_expired(self):
        """Delete finished jobs older than JOB_RESULT_HOURS, with their results."""
        for pk in list(self.expired().values_list("pk", flat=True)):
            shutil.rmtree(Job.directory_of(pk), ignore_errors=True)
            Job.objects.filter(pk=pk).delete()


class Job(models.Model):
    """A background job (后台任务) one user asked for: a risk list, an export, an import."""

    class Kind(models.TextChoices):
        RISK_LIST = "risk_list", _("Risk list")
        EXPORT = "export", _("Export of hazards")
        IMPORT = "import", _("Import of hazards")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Working")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    LOST_WORKER = _("The job stopped before it finished (its worker was stopped or ran out of memory). "
                    "Ask for it again.")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs",
                             verbose_name=_("asked by"))
    title = models.CharField(_("what"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    phase = models.CharField(_("step"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    result_name = models.CharField(_("file name"), max_length=120, blank=True)
    result_type = models.CharField(_("content type"), max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(_("size"), default=0)
    import_record = models.ForeignKey("ImportRecord", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("import"))
    error = models.TextField(_("error"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self):
        return reverse("hazards:downloads") + f"#job-{self.pk}"

    def get_file_url(self):
        return reverse("hazards:download-file", args=[self.pk])

    @staticmethod
    def directory_of(pk):
        return Path(settings.JOBS_DIR) / str(int(pk))

    @property
    def result_path(self):
        """Where the result is: one fixed name a job, so that a job run twice leaves one result."""
        return self.directory_of(self.pk) / "result"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def has_file(self):
        return self.status == self.Status.DONE and bool(self.result_name) and self.result_path.exists()

    @property
    def expires_at(self):
        return self.finished_at + datetime.timedelta(hours=settings.JOB_RESULT_HOURS) if self.finished_at else None

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    def claim(self):
        """Take the job for this worker: True if it was waiting, or running on a worker that died.

        One conditional UPDATE, so that a job delivered twice (a retry, a redelivery after a crash)
        runs once.
        """
        silent = timezone.now() - STALE_AFTER
        now = timezone.now()
        taken = Job.objects.filter(
            Q(status=self.Status.QUEUED) | Q(status=self.Status.RUNNING, heartbeat_at__lt=silent), pk=self.pk,
        ).update(status=self.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
        if taken:
            self.refresh_from_db()
        return bool(taken)
