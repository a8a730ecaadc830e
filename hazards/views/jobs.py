"""My downloads: the background jobs a user asked for, their progress, and their results (owner and admins only)."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import jobs, roles
from ..models import Job
from ..roles import role_required

RECENT = 50


def get_job_for_user(user, pk):
    """A job, if this user asked for it or is an admin; 404 otherwise (others' jobs are not even named)."""
    job = get_object_or_404(Job.objects.select_related("import_record"), pk=pk)
    if job.user_id != user.pk and not roles.has_role(user, roles.ADMIN):
        raise Http404
    return job


def status_of(job):
    """What the page shows of a job, as JSON."""
    done, total, phase = jobs.progress_of(job)
    percent = 100 if job.status == Job.Status.DONE else (min(100, round(100 * done / total)) if total else 0)
    return {
        "id": job.pk, "status": job.status, "status_label": str(job.get_status_display()), "finished": job.is_finished,
        "done": done, "total": total, "percent": percent, "phase": str(jobs.PHASES.get(phase, phase)),
        "error": job.error, "file": job.get_file_url() if job.has_file else "",
        "record": job.import_record.get_absolute_url() if job.import_record_id else "",
        "expires": formats.date_format(timezone.localtime(job.expires_at), "Y-m-d H:i") if job.expires_at else "",
    }


@require_GET
@role_required()
def my_downloads(request):
    Job.objects.fail_stale()
    Job.objects.delete_expired()
    user_jobs = list(Job.objects.filter(user=request.user).select_related("import_record")[:RECENT])
    return render(request, "jobs/downloads.html", {
        "jobs": [(job, status_of(job)) for job in user_jobs], "job_result_hours": settings.JOB_RESULT_HOURS,
    })


@require_GET
@role_required()
def job_status(request, pk):
    """GET: the job's progress as JSON, for the page's progress bar."""
    job = get_job_for_user(request.user, pk)
    if job.status == Job.Status.RUNNING and Job.objects.filter(pk=job.pk).fail_stale():
        job.refresh_from_db()
    return JsonResponse(status_of(job))


@require_GET
@role_required()
def job_file(request, pk):
    """GET: the job's result, to its owner (or an admin), while it is kept."""
    job = get_job_for_user(request.user, pk)
    if not job.has_file:
        raise Http404(_("This download is not ready, or has expired."))
    return FileResponse(open(job.result_path, "rb"), as_attachment=True, filename=job.result_name,
                        content_type=job.result_type)


def result_response(job):
    """The finished job's file as the answer to the request that asked for it (small files: lists of a tour's size)."""
    response = HttpResponse(job.result_path.read_bytes(), content_type=job.result_type)
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    return response
