"""Reading risk-list PDFs back as a person would: poppler for text and pages, zbar for QR codes."""

import datetime
import re
import subprocess
import tempfile
from pathlib import Path

from django.utils import timezone

from hazards.models import HazardPhoto, ProgressUpdate, WorkOrder

from .conftest import jpeg

CODE = re.compile(r"\b(?:CBH|XTH)-\d{3}\b")


def pdf_pages(data):
    """The text of each page, as pdftotext extracts it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return text.decode("utf-8").split("\f")[:-1]


def codes_in(text):
    """Hazard codes in the order they first appear."""
    return list(dict.fromkeys(CODE.findall(text)))


def qr_codes(data, dpi=150):
    """What zbar reads from the QR codes on the pages, rendered by pdftoppm."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.pdf"
        path.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(Path(folder) / "page")], check=True)
        pages = sorted(str(p) for p in Path(folder).glob("page*.png"))
        out = subprocess.run(["zbarimg", "--raw", "-q", *pages], capture_output=True, check=False)  # 4: no code found
    return out.stdout.decode().split()


def add_works(hazard, engineer, *, progress=40, days_left=30, status="in_progress", note="", unit=""):
    """A works order on the hazard, with its engineer and, if given, a progress note."""
    order = WorkOrder.objects.create(
        title=f"Clear {hazard.code}", kind="remove", hazard=hazard, status=status, progress_pct=progress,
        deadline=timezone.localdate() + datetime.timedelta(days=days_left), responsible_unit=unit,
    )
    order.engineers.add(engineer)
    if note:
        ProgressUpdate.objects.create(order=order, percent=progress, note=note, author=engineer)
    return order


def add_photo(hazard, user, colour="#3d85c6"):
    return HazardPhoto.from_upload(jpeg(colour=colour), user, hazard=hazard)


def drawn_images(data, page=None):
    """How many images the pages (or one page) draw; pdfimages lists each drawing, even of a shared image."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.pdf"
        path.write_bytes(data)
        listing = subprocess.run(["pdfimages", "-list", *pages, str(path)], capture_output=True, check=True).stdout.decode()
    return sum(1 for line in listing.splitlines()[2:] if line.split()[2] == "image")
