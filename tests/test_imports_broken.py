"""Broken files, one per kind of bad row or bad file (tests/data/broken/, made by make_registers.py).

Each yields a report naming the row (or the file) and the reason, and leaves the database and media as they were.
"""

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hazards.imports.registers import Options, import_file
from hazards.models import Hazard, ImportRecord

from .conftest import make_hazard

BROKEN = Path(__file__).parent / "data" / "broken"

# file: (row, field, words of the reason); row None: the file as a whole
CASES = {
    "missing_coordinates.csv": (3, "经度, 纬度", "No position"),
    "missing_geometry.geojson": (2, "geometry", "No position"),
    "invalid_geometry.geojson": (2, "geometry", "Self-intersection"),
    "outside_district.csv": (3, "经度, 纬度", "outside Tongzhou district"),
    "too_far_from_river.csv": (3, "经度, 纬度", "a hazard must lie within 500 m"),
    "swapped_coordinates.csv": (3, "经度, 纬度", "look swapped"),
    "unknown_kind.csv": (3, "类型", "Unknown kind “水闸”"),
    "unknown_status.csv": (3, "状态", "Unknown status “搁置”"),
    "unknown_river.csv": (3, "河道", "Unknown river “凉水河”"),
    "out_of_range.csv": (3, "阻水比例", "between 0 and 100"),
    "duplicate_codes.csv": (3, "编号", "also on row 2"),
    "bad_encoding.csv": (3, "", "bad encoding"),
    "corrupt_archive.zip": (None, "", "damaged archive"),
    "not_really.xlsx": (None, "", "not a ZIP archive"),
    "unsupported_format.docx": (None, "", "not a format Floodwatch reads"),
    "zip_slip.zip": (None, "", "outside the archive"),
    "nested_archive.zip": (None, "", "holds another archive"),
    "entity_expansion.kml": (None, "", "DOCTYPE or entity"),
    "network_link.kml": (None, "", "NetworkLink"),
    "crs_names_a_file.geojson": (None, "", "coordinate system Floodwatch does not know"),
}


def state(settings):
    """What an import could change: hazards, their history, import records, and every file under media."""
    media = sorted(str(p) for p in Path(settings.MEDIA_ROOT).rglob("*")) if os.path.exists(settings.MEDIA_ROOT) else []
    return (list(Hazard.objects.values_list("code", "title", "updated_at")), Hazard.history.count(),
            ImportRecord.objects.count(), media)


@pytest.fixture
def existing(rivers):
    """A register that is already there, so that "unchanged" means something."""
    return make_hazard(rivers["xiaotaihou"], 2000, title="已有的碍洪点")


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_broken_file_names_the_row_and_reason_and_changes_nothing(existing, cast, settings, name):
    row, field, reason = CASES[name]
    before = state(settings)
    plan, record = import_file(BROKEN / name, Options(), user=cast["admin"])
    assert record is None
    matching = [p for p in plan.problems if p.row == row and reason in p.reason]
    assert matching, [(p.row, p.field, p.reason) for p in plan.problems]
    if field:
        assert matching[0].field == field
    assert state(settings) == before


def test_the_good_rows_of_a_broken_file_import_when_bad_rows_are_skipped(existing, cast):
    plan, record = import_file(BROKEN / "unknown_kind.csv", Options(skip_bad_rows=True), user=cast["admin"])
    assert record.created_count == 2 and record.skipped_count == 1
    assert sorted(Hazard.objects.filter(code__startswith="BAD").values_list("code", flat=True)) == ["BAD-001",
                                                                                                   "BAD-003"]


def test_too_many_rows_are_refused(existing, cast, settings):
    settings.MAX_IMPORT_ROWS = 25
    before = state(settings)
    plan, record = import_file(BROKEN / "too_many_rows.csv", Options(skip_bad_rows=True), user=cast["admin"])
    assert record is None and plan.refused and "at most 25" in plan.problems[0].reason
    assert state(settings) == before


def test_too_large_a_file_is_refused_before_it_is_read(existing, cast, settings, client_as):
    settings.MAX_IMPORT_BYTES = 1000
    before = state(settings)
    plan, record = import_file(BROKEN / "too_many_rows.csv", Options(), user=cast["admin"])
    assert record is None and "larger than" in plan.problems[0].reason
    page = client_as("admin").post(reverse("hazards:import"), {
        "file": SimpleUploadedFile("big.csv", (BROKEN / "too_many_rows.csv").read_bytes())})
    assert page.status_code == 400 and "larger than" in page.content.decode()
    assert state(settings) == before


def test_a_zip_bomb_is_refused_by_its_unpacked_size(existing, cast, settings, tmp_path):
    import zipfile

    settings.MAX_IMPORT_UNPACKED_BYTES = 10_000_000
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("layer.dbf", b"\0" * 20_000_000)  # 20 MB of zeros pack into about 20 kB
    plan, record = import_file(bomb, Options(), user=cast["admin"])
    assert record is None and "would unpack to" in plan.problems[0].reason
