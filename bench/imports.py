"""Importing a register of 10,000 rows (XLSX and CSV, Chinese headers): read, checked by the hazard's rules,
written with history; beside a bare bulk_create of the same hazards measured in the same run.

Run with `make bench` (or `python -m bench.imports`). The target: under 10 s on this project's 2-core machine.
"""

import csv
import io
import random
import tempfile
import time
from pathlib import Path

from bench import setup_django

N_ROWS = 10_000
HEADERS = ["编号", "碍洪点名称", "所在河道", "经度", "纬度", "类型", "是否位于主河槽", "阻水比例", "处置状态", "责任单位",
           "临时度汛措施", "备注"]
KINDS = ["涵管", "桥墩", "高压塔", "违建", "垃圾", "林木", "淤积", "鱼塘", "其他"]
STATUSES = ["未整改", "已确认", "计划处置", "整改中", "已整改", "已销号", "监测"]


def register_rows():
    """10,000 hazards spread along both rivers, up to 400 m from the line, on either bank."""
    from hazards import geo
    from hazards.models import River

    rng = random.Random(9)
    rivers = list(River.objects.all())
    rows = []
    while len(rows) < N_ROWS:
        n = len(rows)
        river = rivers[n % len(rivers)]
        point = river.point_at(rng.uniform(0, river.length_m), offset_m=rng.uniform(0, 400),
                               bank=rng.choice(["left", "right"]))
        if not geo.in_district(point):  # the district's edge runs close to the Chaobai's ends
            continue
        rows.append([f"B{n:05d}", f"基准测试碍洪点{n}", river.name_zh, f"{point.x:.8f}", f"{point.y:.8f}",
                     rng.choice(KINDS), rng.choice(["是", "否"]), f"{rng.uniform(0, 60):.1f}%", rng.choice(STATUSES),
                     "通州区水务局", "设置警示牌", "汛前排查"])
    return rows


def write_files(rows, directory):
    import openpyxl

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    (directory / "register.csv").write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("风险清单")
    sheet.append(["通州区碍洪点风险清单"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(directory / "register.xlsx")


def bare_bulk_create(rows):
    """The baseline: the same hazards, their derived fields taken as given, no checks, no history."""
    from django.contrib.gis.geos import Point

    from hazards.models import Hazard, River

    rivers = {river.name_zh: river for river in River.objects.all()}
    hazards = [Hazard(code=row[0], title=row[1], river=rivers[row[2]], location=Point(float(row[3]), float(row[4]),
                      srid=4326), chainage_m=0, offset_m=0, bank="left", kind="other", blockage_pct=10,
                      risk_level="moderate", status="reported") for row in rows]
    Hazard.objects.bulk_create(hazards, batch_size=1000)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def clear():
    from hazards.models import Hazard, ImportRecord

    Hazard.history.all().delete()
    Hazard.objects.all().delete()
    ImportRecord.objects.all().delete()


def main():
    connection = setup_django()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from hazards.imports.registers import Options, import_file

    call_command("load_gis_data", stdout=io.StringIO())
    user = User.objects.create_superuser("bench", password="bench-only")
    rows = register_rows()
    print(f"Register import, {N_ROWS:,} rows ({connection.vendor})")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_files(rows, directory)
        for name in ("register.xlsx", "register.csv"):
            seconds, (plan, record) = timed(lambda name=name: import_file(directory / name, Options(), user=user))
            assert record is not None and record.created_count == N_ROWS, plan.problems[:3]
            print(f"  {'read, checked, written with history: ' + name:48} {seconds:8.1f} s")
            clear()
        dry, _result = timed(lambda: import_file(directory / "register.csv", Options(), user=user, dry_run=True))
        print(f"  {'dry run only: register.csv':48} {dry:8.1f} s")
    seconds, _result = timed(lambda: bare_bulk_create(rows))
    print(f"  {'bare bulk_create, no checks, no history (baseline)':48} {seconds:8.1f} s")
    print("  target: under 10 s for the whole import")


if __name__ == "__main__":
    main()
