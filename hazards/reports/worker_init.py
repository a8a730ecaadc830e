"""Loaded once by the forkserver that forks the PDF workers: Django and WeasyPrint, ready."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floodwatch.settings")
django.setup()

import weasyprint  # noqa: E402, F401  (loaded here, so that each forked worker has it)

from hazards.reports import pdf  # noqa: E402, F401
