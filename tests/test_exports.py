"""Exports of the selection: every format imports back unchanged (codes, fields, positions within a centimetre)."""

import io
import subprocess
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hazards import geo
from hazards.imports.registers import IMPORTED_FIELDS, Options, import_file
from hazards.models import Hazard

from .conftest import in_chinese, make_hazard

FORMATS = ["geojson", "kml", "csv", "xlsx", "gpkg", "shp.zip"]


@pytest.fixture
def hazards(rivers):
    """Hazards on both rivers with every imported field used: Chinese text, a manual risk level, a fraction."""
    cb, xth = rivers["chaobai"], rivers["xiaotaihou"]
    return [
        make_hazard(xth, 1800, title="口子村铺外路涵管", kind="culvert", in_main_channel=True, blockage_pct=65,
                    status="in_progress", responsible_unit="台湖镇政府", description="管径小，行洪断面不足",
                    interim_measure="设置警示牌，专人值守"),
        make_hazard(xth, 3500, title="前营村高压塔", kind="pylon", in_main_channel=True, blockage_pct=12.5,
                    status="planned", risk_override="major", risk_override_reason="塔基松动，汛前必须迁改"),
        make_hazard(xth, 6600, title="-1 号阻水芦苇", kind="vegetation", blockage_pct=5, status="cleared"),
        make_hazard(cb, 16500, title="宋庄段河床淤积", kind="sediment", blockage_pct=10, status="monitoring",
                    interim_measure="备足沙袋"),
    ]


def snapshot(hazards):
    return {h.code: {name: getattr(h, "river_id" if name == "river" else name) for name in IMPORTED_FIELDS}
            for h in hazards}


def same(before, after):
    """Every imported field equal; positions within a centimetre."""
    assert set(before) == set(after)
    for code, fields in before.items():
        for name, value in fields.items():
            if name == "location":
                assert geo.distance_m(value, after[code][name]) < 0.01, code
            else:
                assert after[code][name] == value, (code, name)


def export(client, extension, query=""):
    response = client.get(reverse("hazards:export-hazards", args=[extension]) + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.content[:300]
    return response


@pytest.mark.parametrize("extension", FORMATS)
def test_every_format_imports_back_unchanged(client_as, hazards, cast, extension):
    before = snapshot(Hazard.objects.all())
    content = export(client_as("leader"), extension).content
    upload = SimpleUploadedFile(f"export.{extension}", content)
    again, _record = import_file(upload, Options(), user=cast["admin"], dry_run=True)
    assert again.problems == [] and again.creates == [] and again.updates == []
    assert sorted(code for _n, code in again.unchanged) == sorted(before)
    Hazard.objects.all().delete()
    plan, record = import_file(upload, Options(), user=cast["admin"])
    assert plan.problems == [] and record.created_count == len(before)
    same(before, snapshot(Hazard.objects.all()))


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_spreadsheets_in_the_chinese_ui_have_chinese_headers_and_still_import_back(client_as, hazards, cast, extension):
    client = in_chinese(client_as("leader"))
    content = export(client, extension).content
    if extension == "xlsx":
        header = [cell.value for cell in next(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows())]
    else:
        assert content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
        header = content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:4] == ["序号", "编号", "名称", "河道"]
    plan, _record = import_file(SimpleUploadedFile(f"清单.{extension}", content), Options(), user=cast["admin"],
                                dry_run=True)
    assert plan.problems == [] and len(plan.unchanged) == len(hazards)


def test_the_export_takes_the_filters_of_the_map(client_as, hazards):
    content = export(client_as("engineer"), "geojson", "river=xiaotaihou&min_risk=major").json()
    assert [f["properties"]["code"] for f in content["features"]] == [hazards[0].code, hazards[1].code]


def test_a_bad_filter_gets_a_400_saying_why(client_as, hazards):
    response = client_as("leader").get(reverse("hazards:export-hazards", args=["gpkg"]) + "?min_risk=purple")
    assert response.status_code == 400 and "min_risk" in response.content.decode()


def test_kml_colours_placemarks_by_risk_for_google_earth(client_as, hazards):
    text = export(client_as("leader"), "kml").content.decode()
    assert '<Style id="risk-major"><IconStyle><color>ff1c19d7</color>' in text  # #d7191c as aabbggrr
    assert text.count("<Placemark>") == 4 and "<styleUrl>#risk-major</styleUrl>" in text


def test_the_geopackage_reads_in_ogrinfo_with_its_layer_and_crs(client_as, hazards, tmp_path):
    path = tmp_path / "xth.gpkg"
    path.write_bytes(export(client_as("leader"), "gpkg", "river=xiaotaihou").content)
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Layer name: hazards" in info and "Feature Count: 3" in info and 'ID["EPSG",4326]' in info


def test_the_zipped_shapefile_has_prj_cpg_and_the_field_name_note(client_as, hazards):
    archive = zipfile.ZipFile(io.BytesIO(export(client_as("leader"), "shp.zip").content))
    names = set(archive.namelist())
    assert {"hazards.shp", "hazards.shx", "hazards.dbf", "hazards.prj", "hazards.cpg", "FIELDS.txt"} <= names
    assert archive.read("hazards.cpg").strip() == b"UTF-8"
    assert "main_chan   in_main_channel" in archive.read("FIELDS.txt").decode()


@pytest.mark.parametrize("role", ["inspector", "engineer", "leader", "admin"])
def test_every_role_may_export(client_as, hazards, role):
    assert export(client_as(role), "geojson").status_code == 200


def test_people_without_a_role_may_not_export(client_as, hazards, client):
    assert client_as("stranger").get(reverse("hazards:export-hazards", args=["csv"])).status_code == 403
    client.logout()
    assert client.get(reverse("hazards:export-hazards", args=["csv"])).status_code == 302


def test_an_unknown_format_is_not_found(client_as, hazards):
    assert client_as("leader").get(reverse("hazards:export-hazards", args=["exe"])).status_code == 404


def test_work_orders_and_coverage_export_as_spreadsheets_and_geopackages(client_as, hazards, tmp_path):
    from hazards.models import WorkOrder

    WorkOrder.objects.create(title="清理芦苇", kind="cut_vegetation", hazard=hazards[2])
    WorkOrder.objects.create(title="萧太后河清淤", kind="dredge", river=hazards[0].river, start_chainage_m=1000,
                             end_chainage_m=2500)
    client = client_as("leader")
    for name in ("export-work-orders", "export-coverage"):
        for extension in ("csv", "xlsx", "gpkg"):
            response = client.get(reverse(f"hazards:{name}", args=[extension]))
            assert response.status_code == 200, (name, extension)
            if extension == "gpkg":
                path = tmp_path / f"{name}.gpkg"
                path.write_bytes(response.content)
                info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True,
                                      check=True).stdout
                assert "Feature Count:" in info
    orders_csv = client.get(reverse("hazards:export-work-orders", args=["csv"])).content.decode("utf-8-sig")
    assert "清理芦苇" in orders_csv and "K1+000–K2+500" in orders_csv
