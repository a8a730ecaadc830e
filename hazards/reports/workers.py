"""Render the parts of a long PDF side by side, one process per core.

The worker processes are forked from a clean server process that has Django
and WeasyPrint loaded already (multiprocessing's "forkserver"), never from the
web server itself, whose threads may hold locks. They only turn HTML into PDF
bytes: they never touch the database. Settings a part depends on (where media
and the site are) travel with each job, so a worker renders exactly what the
request's process would.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from django.conf import settings
from django.test.utils import override_settings

_pool = None


def _settings():
    return {"MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": settings.SITE_URL}


def render_part(html, qr_codes, overrides):
    """In a worker: one part's HTML to PDF bytes."""
    from .pdf import html_to_pdf

    with override_settings(**overrides):
        return html_to_pdf(html, qr_codes)


def pool():
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["hazards.reports.worker_init"])
        _pool = ProcessPoolExecutor(max_workers=settings.REPORT_WORKERS, mp_context=context)
    return _pool


def render_all(jobs, *, side_by_side=True, done=lambda index: None):
    """PDF bytes for each (html, QR codes) job, in order; side by side if asked and worth it.

    `done(index)` is called as each part is ready, in order (a job's progress bar)."""
    overrides = _settings()
    if not side_by_side or len(jobs) == 1 or settings.REPORT_WORKERS <= 1:
        results = (render_part(html, qr_codes, overrides) for html, qr_codes in jobs)
    else:
        results = pool().map(render_part, *zip(*jobs), [overrides] * len(jobs))
    pdfs = []
    for index, data in enumerate(results):
        pdfs.append(data)
        done(index)
    return pdfs


def reset():
    """Stop the workers (tests, and after a fork of this process)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None


os.register_at_fork(after_in_child=lambda: globals().update(_pool=None))
