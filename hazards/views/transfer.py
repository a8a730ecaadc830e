"""Data in and out: exports for every role; imports of registers and river lines for admins."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import exports, jobs, roles
from ..filters import WorkOrderFilter, filter_errors
from ..forms import ImportFileForm, ImportOptionsForm, RiverImportForm
from ..imports import pending, reports
from ..imports.files import FORMAT_LABELS
from ..imports.registers import Options, import_file
from ..imports.rivers import apply_river, plan_river
from ..models import ImportRecord, Job
from ..readiness import COVERAGE_DAYS, river_coverage
from ..reports.selection import SelectionError, count, select
from ..roles import role_required
from .reports import _query_pairs, _too_many_jobs, _tour
from .works import orders_for_list

REPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                "xlsx": exports.HAZARD_FORMATS["xlsx"][0]}
TABLE_FORMATS = ("csv", "xlsx", "gpkg")  # work orders and patrol coverage


def _download(content, content_type, stem, extension):
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.{extension}"'
    return response


def _bad_request(errors):
    lines = [_("This export cannot be made:")] + [f"{name}: {text}" for name, text in errors.items()]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


@role_required()
def hazard_export(request, extension):
    """GET /exports/hazards.<ext>: the hazards for the filters of /api/hazards/ (or tour=, code=), in driving order."""
    if extension not in exports.HAZARD_FORMATS:
        raise Http404
    try:
        tour = _tour(request)
        rows = count(request.GET, tour=tour)
        if rows <= settings.EXPORT_DIRECT_ROWS:
            content_type, render_format = exports.HAZARD_FORMATS[extension]
            return _download(render_format(select(request.GET, tour=tour)), content_type, "hazards", extension)
    except SelectionError as error:
        return _bad_request(error.errors)
    # A large selection is written by a background job; its progress and file are on My downloads.
    try:
        job = jobs.start(Job.Kind.EXPORT, request.user, title=_("%(n)s hazards · %(format)s") % {
            "n": rows, "format": extension.upper()}, total=rows,
            params={"extension": extension, "query": _query_pairs(request), "tour": tour and tour.pk})
    except jobs.TooManyJobs:
        return _too_many_jobs(request)
    return redirect(job)


@role_required()
def work_order_export(request, extension):
    """GET /exports/work-orders.<csv|xlsx|gpkg>: work orders for the filters of /api/work-orders/."""
    if extension not in TABLE_FORMATS:
        raise Http404
    filterset = WorkOrderFilter(request.GET, queryset=orders_for_list())
    if not filterset.is_valid():
        return _bad_request(filter_errors(filterset))
    orders = list(filterset.qs)
    if extension == "gpkg":
        features = exports.work_order_features(orders, settings.SITE_URL)
        content = exports.ogr_file("GPKG", "work_orders", exports.geojson_of(features).encode("utf-8"))
    else:
        rows = (exports.work_order_row(order, settings.SITE_URL) for order in orders)
        content = _table(extension, _("Work orders"), exports.work_order_header(), rows)
    return _download(content, _content_type(extension), "work-orders", extension)


@role_required()
def coverage_export(request, extension):
    """GET /exports/coverage.<csv|xlsx|gpkg>?days=7 (or 30): each river's patrolled and unpatrolled stretches."""
    if extension not in TABLE_FORMATS:
        raise Http404
    days = request.GET.get("days", "7")
    if days not in {str(d) for d in COVERAGE_DAYS}:
        return _bad_request({"days": _("days must be one of %(days)s.") % {"days": ", ".join(map(str, COVERAGE_DAYS))}})
    coverages = river_coverage(int(days))
    if extension == "gpkg":
        geojson = exports.geojson_of(exports.coverage_features(coverages)).encode("utf-8")
        content = exports.ogr_file("GPKG", "patrol_coverage", geojson)
    else:
        rows = (row for _coverage, row in exports.coverage_rows(coverages))
        content = _table(extension, _("Patrol coverage"), exports.coverage_header(), rows)
    return _download(content, _content_type(extension), f"patrol-coverage-{days}d", extension)


def _table(extension, title, header, rows):
    return exports.xlsx_bytes(title, header, rows) if extension == "xlsx" else exports.csv_bytes(header, rows)


def _content_type(extension):
    return exports.HAZARD_FORMATS[extension][0]


# Imports (admins) --------------------------------------------------------------------------------

@role_required(roles.ADMIN)
def hazard_import(request):
    """Upload a register, see the dry run (creates, updates, bad rows), change the mapping, then import.

    The work runs in the request for now; import_file reports progress through a callback, so that a
    background job can run it unchanged.
    """
    if request.method == "POST" and "file" in request.FILES:
        upload_form = ImportFileForm(request.POST, request.FILES)
        if not upload_form.is_valid():
            return _import_page(request, upload_form=upload_form)
        token = pending.keep(upload_form.cleaned_data["file"], request.user)
        return _dry_run(request, token, ImportOptionsForm({"shift": ""}), first=True)
    if request.method == "POST" and request.POST.get("token"):
        return _confirm(request, request.POST["token"])
    return _import_page(request, upload_form=ImportFileForm())


def _confirm(request, token):
    kept = pending.upload_of(token, request.user)
    if kept is None:
        messages.error(request, _("That upload has expired or is not yours; upload the file again."))
        return redirect("hazards:import")
    report = pending.report_of(token, request.user) or {}
    headers = list(report.get("headers", []))
    form = ImportOptionsForm(request.POST, headers=headers)
    if not form.is_valid():
        return _dry_run(request, token, form)
    if request.POST.get("action") != "import":
        return _dry_run(request, token, form)
    # Checked again and written by a background job (hazards/jobs.py); its progress is on My downloads.
    data = form.cleaned_data
    options = {"mapping": form.column_mapping(), "srid": data.get("crs"), "shift": data.get("shift") or "",
               "skip_bad_rows": data.get("skip_bad_rows", False)}
    try:
        job = jobs.start(Job.Kind.IMPORT, request.user, title=kept[1], params={"token": token, "options": options},
                         total=(report.get("rows") or 0))
    except jobs.TooManyJobs:
        return _too_many_jobs(request)
    if jobs.wait(job, 0) and job.import_record_id:
        record = job.import_record
        messages.success(request, _("Imported %(created)s new and %(updated)s updated hazards from %(file)s.") % {
            "created": record.created_count, "updated": record.updated_count, "file": record.file_name})
        return redirect(record)
    return redirect(job)


def _options(form):
    data = form.cleaned_data
    return Options(mapping=form.column_mapping(), srid=data.get("crs"), shift=data.get("shift") or "",
                   skip_bad_rows=data.get("skip_bad_rows", False))


def _dry_run(request, token, form, first=False):
    path, name = pending.upload_of(token, request.user)
    options = Options() if first or not form.is_valid() else _options(form)
    plan, _record = import_file(path, options, user=request.user, name=name, dry_run=True)
    pending.save_report(token, request.user, {**plan.as_report(), "headers": plan.headers})
    if first or not form.is_bound or form.headers != plan.headers:
        form = ImportOptionsForm(initial={"shift": options.shift, "crs": options.srid,
                                          "skip_bad_rows": options.skip_bad_rows},
                                 headers=plan.headers, initial_mapping=plan.mapping)
    return _show_plan(request, token, form, plan)


def _show_plan(request, token, form, plan, status=200):
    report = plan.as_report()
    return render(request, "transfer/hazard_import.html", {
        "token": token, "form": form, "plan": plan, "report": report, "lines": reports.lines(report),
        "bad_row_count": len(plan.bad_rows), "format_label": FORMAT_LABELS.get(plan.file_format, ""),
        "limits": _limits(),
    }, status=status)


def _import_page(request, upload_form):
    return render(request, "transfer/hazard_import.html", {
        "upload_form": upload_form, "limits": _limits(),
        "recent": ImportRecord.objects.select_related("imported_by", "river")[:10],
    }, status=400 if upload_form.is_bound else 200)


def _limits():
    return {"bytes": settings.MAX_IMPORT_BYTES, "rows": settings.MAX_IMPORT_ROWS,
            "members": settings.MAX_ZIP_MEMBERS}


@role_required(roles.ADMIN)
def pending_report(request, token, extension):
    """The dry run's report, downloaded before importing."""
    report = pending.report_of(token, request.user)
    if report is None or extension not in REPORT_TYPES:
        raise Http404
    return _download(reports.render(report, extension), REPORT_TYPES[extension], "import-dry-run", extension)


def get_import_for_user(user, pk):
    """An import's record: admins only (checked by the view's decorator)."""
    return get_object_or_404(ImportRecord.objects.select_related("imported_by", "river"), pk=pk)


@role_required(roles.ADMIN)
def import_detail(request, pk):
    record = get_import_for_user(request.user, pk)
    report = record.report
    written = {_("create"), _("update"), _("unchanged")}
    lines = [(line, line[2] if line[1] in written else "") for line in reports.lines(report)] \
        if record.kind == ImportRecord.Kind.HAZARDS else []
    return render(request, "transfer/import_detail.html", {"record": record, "report": report, "lines": lines})


@role_required(roles.ADMIN)
def import_report(request, pk, extension):
    record = get_import_for_user(request.user, pk)
    if extension not in REPORT_TYPES or (record.kind != ImportRecord.Kind.HAZARDS and extension != "json"):
        raise Http404
    return _download(reports.render(record.report, extension), REPORT_TYPES[extension], f"import-{record.pk}",
                     extension)


@role_required(roles.ADMIN)
def river_import(request):
    """Replace a river's centerline: upload, see how far each hazard's chainage moves, then confirm."""
    form = RiverImportForm(request.POST or None, request.FILES or None)
    plan, token = None, request.POST.get("token", "")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["file"]:
            token = pending.keep(data["file"], request.user)
        kept = pending.upload_of(token, request.user) if token else None
        if kept is None:
            form.add_error("file", _("Choose the centerline file."))
        else:
            plan = plan_river(kept[0], data["river"], name=kept[1], srid=data["crs"])
            if request.POST.get("action") == "import" and not plan.problems:
                try:
                    record = apply_river(plan, user=request.user, source_note=data["source_note"],
                                         approximate=data["approximate"], confirm_far=data["confirm_far"])
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    pending.forget(token, request.user)
                    messages.success(request, _("The %(river)s now follows %(file)s; %(count)s hazards were measured "
                                                "again.") % {"river": record.river.name, "file": record.file_name,
                                                             "count": record.updated_count})
                    return redirect(record)
    failed = request.method == "POST" and (form.errors or (plan and plan.problems))
    return render(request, "transfer/river_import.html", {
        "form": form, "plan": plan, "token": token,
        "report": plan.as_report() if plan and not plan.problems else None,
    }, status=400 if failed else 200)


@require_POST
@role_required(roles.ADMIN)
def forget_pending(request):
    pending.forget(request.POST.get("token", ""), request.user)
    return redirect("hazards:import")
