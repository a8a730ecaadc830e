"""Time and peak memory of the risk-list PDF for 10, 200 and 1,000 stops, beside a bare baseline.

    make bench-pdf        (or: .venv/bin/python -m bench.pdf)

It builds a throwaway SpatiaLite database and media folder under var/bench/
with 1,000 hazards on the two rivers, each with a photo (its thumbnail), most
with a works order, engineers and a progress note. Each case then runs in a
fresh process, as a job worker would meet it after starting, with an empty
cache of rendered parts (its own, under var/bench/), so that its peak memory
is its own:

- cold: the first PDF of the fresh process, nothing kept from before;
- unchanged: the same list again, nothing in it changed (its parts are read
  back; the cover, header and page labels are made anew);
- one changed: again after one hazard in the middle was edited (the part
  holding it, the summary page listing it and the cover are laid out again);
- baseline: the same rows as a bare WeasyPrint table in the full 20 MB Noto
  Sans CJK font, as the issue measured it.

Missing parts are rendered on every core (hazards/reports/workers.py); "peak
MB" is the peak resident memory of the largest process, the job worker's or
one of its renderers'. The table is printed and written to bench/risk_lists.json.
"""

import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "risk_lists.json"
TARGETS = {200: {"cold": 2.0, "unchanged": 0.5}, 1000: {"cold": 8.0}}
PEAK_TARGET_MB = 500
SIZES = (10, 200, 1000)
TOTAL = max(SIZES)


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floodwatch.settings")
    os.environ["SQLITE_PATH"] = str(WORK / "bench.sqlite3")
    os.environ["MEDIA_ROOT"] = str(WORK / "media")
    os.environ["REPORT_CACHE_DIR"] = str(WORK / "report-cache")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def build_data():
    """1,000 hazards with photos, orders and notes, in a fresh database."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_gis_data", stdout=io.StringIO())
    _make_users()
    _make_hazards()
    _make_works()


def _make_users():
    from django.contrib.auth.models import Group, User

    leader = User.objects.create_user("leader", first_name="区领导 张伟")
    leader.groups.add(Group.objects.get_or_create(name="leader")[0])
    for name in ("工程师 李强", "工程师 赵磊", "工程师 王芳"):
        User.objects.create_user(f"engineer-{len(name)}-{name[-1]}", first_name=name)


def _make_hazards():
    from django.conf import settings
    from PIL import Image, ImageDraw

    from hazards.models import Hazard, HazardPhoto, River

    rng = random.Random(4)
    rivers = list(River.objects.all())
    kinds = [k for k, _ in Hazard.Kind.choices]
    statuses = ["reported", "confirmed", "planned", "in_progress", "monitoring", "cleared"]
    (Path(settings.MEDIA_ROOT) / "thumbnails").mkdir(parents=True, exist_ok=True)
    photos = []
    for i in range(TOTAL):
        river = rivers[i % len(rivers)]
        chainage = rng.uniform(50, river.length_m - 50)
        hazard = Hazard(
            river=river, title=f"{river.name_zh}第{i + 1}处阻水{rng.choice(['林木', '堆土', '涵管', '违建', '鱼塘围埝'])}",
            kind=rng.choice(kinds), in_main_channel=rng.random() < 0.3, blockage_pct=rng.randint(0, 60),
            status=rng.choice(statuses), responsible_unit=rng.choice(["台湖镇政府", "宋庄镇政府", "区水务局河道管理所"]),
            interim_measure="设置警示标志，汛期专人值守。" if rng.random() < 0.4 else "",
            location=river.point_at(chainage, offset_m=rng.uniform(5, 150), bank=rng.choice(["left", "right"])),
        )
        hazard.save()
        name = f"thumbnails/bench-{i:04d}.jpg"
        image = Image.new("RGB", (480, 360), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        ImageDraw.Draw(image).rectangle([160, 90, 320, 300], fill=Hazard.RISK_COLOURS[hazard.risk_level])
        image.save(Path(settings.MEDIA_ROOT) / name, "JPEG", quality=80)
        photos.append(HazardPhoto(hazard=hazard, image=name, thumbnail=name))
    HazardPhoto.objects.bulk_create(photos)


def _make_works():
    import datetime

    from django.contrib.auth.models import User

    from hazards.models import Hazard, ProgressUpdate, WorkOrder

    rng = random.Random(5)
    engineers = list(User.objects.filter(username__startswith="engineer"))
    today = datetime.date.today()
    hazards = [h for h in Hazard.objects.all() if rng.random() < 0.7]
    orders = WorkOrder.objects.bulk_create([
        WorkOrder(
            title=f"{h.title}消险工程", kind="remove", hazard=h, river_id=h.river_id, responsible_unit=h.responsible_unit,
            status=rng.choice(["planned", "in_progress", "completed"]), progress_pct=rng.randint(0, 100),
            deadline=today + datetime.timedelta(days=rng.randint(-30, 200)),
        )
        for h in hazards
    ])
    for order in orders:
        order.engineers.set(rng.sample(engineers, rng.randint(1, 2)))
    ProgressUpdate.objects.bulk_create([
        ProgressUpdate(order=order, percent=order.progress_pct, author=engineers[0],
                       note="完成清障作业面的测量放线，机械已进场，计划下周完成主体拆除。")
        for order in orders
    ])


def codes(n):
    from hazards.models import DRIVING_ORDER, Hazard

    return list(Hazard.objects.order_by(*DRIVING_ORDER).values_list("code", flat=True)[:n])


def render_risk_list(n):
    from django.contrib.auth.models import User
    from django.http import QueryDict
    from django.utils import translation

    from hazards.reports import pdf
    from hazards.reports.selection import select

    translation.activate("zh-hans")
    query = QueryDict(mutable=True)
    query.setlist("code", codes(n))
    leader = User.objects.get(username="leader")

    def once():
        selection = select(query)
        assert len(selection.stops) == n
        return pdf.render_risk_list(selection, leader).data

    return once


def change_one(n):
    """Edit the hazard in the middle of the list, as an inspector would (through the service)."""
    from django.contrib.auth.models import User

    from hazards import services
    from hazards.models import Hazard

    hazard = Hazard.objects.get(code=codes(n)[n // 2])
    hazard.interim_measure = "汛前已设置警示标志。"
    services.hazard_save(hazard=hazard, user=User.objects.get(username="leader"), version=hazard.version)


def render_baseline(n):
    from weasyprint import HTML

    from hazards.models import Hazard

    rows = list(Hazard.objects.filter(code__in=codes(n)).select_related("river", "town", "village"))
    cells = "".join(
        f"<tr><td>{h.code}</td><td>{h.title}</td><td>{h.river.name_zh} {h.chainage}</td>"
        f"<td>{h.town.name_zh if h.town else ''} {h.village.name_zh if h.village else ''}</td>"
        f"<td>{h.get_risk_level_display()}</td><td>{h.get_status_display()}</td></tr>"
        for h in rows
    )
    html = (
        "<style>@page { size: A4 } body { font-family: 'Noto Sans CJK SC'; font-size: 9pt }</style>"
        f"<table>{cells}</table>"
    )
    return lambda: HTML(string=html).write_pdf()


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def run_case(kind, n):
    """In this (fresh) process: 'cold unchanged one-changed peak_mb bytes' (the baseline: its one time, 0, 0)."""
    setup_django()
    shutil.rmtree(WORK / "report-cache", ignore_errors=True)
    render = (render_risk_list if kind == "risk-list" else render_baseline)(n)
    cold, data = timed(render)
    unchanged = changed = 0.0
    if kind == "risk-list":
        unchanged, _data = timed(render)
        change_one(n)
        changed, _data = timed(render)
    peak_mb = max(peak_rss_mb(pid) for pid in [os.getpid(), *worker_pids()])
    print(f"{cold:.3f} {unchanged:.3f} {changed:.3f} {peak_mb:.0f} {len(data)}")


def worker_pids():
    """The PDF worker processes (hazards/reports/workers.py), if any ran."""
    from hazards.reports import workers

    return list(workers._pool._processes) if workers._pool else []


def peak_rss_mb(pid):
    """A process's peak resident memory (VmHWM), in MB: the largest process is what a server must fit."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        return run_case(sys.argv[2], int(sys.argv[3]))
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    print(f"Building {TOTAL} hazards with photos, orders and notes under {WORK.relative_to(ROOT)}/ ...", flush=True)
    start = time.perf_counter()
    setup_django()
    build_data()
    from hazards.reports import fonts

    fonts.cut_font_file()
    print(f"  done in {time.perf_counter() - start:.1f} s on {os.cpu_count()} cores\n")
    print(f"{'stops':>6}  {'risk list: cold':>15} {'unchanged':>9} {'one changed':>11} {'peak MB':>8} {'PDF':>8}"
          f"   {'bare table (baseline)':>21}")
    rows = []
    for n in SIZES:
        figures = {}
        for kind in ("risk-list", "baseline"):
            out = subprocess.run(
                [sys.executable, "-m", "bench.pdf", "--case", kind, str(n)],
                cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout.split()
            figures[kind] = [float(value) for value in out]
        cold, unchanged, changed, peak_mb, size = figures["risk-list"]
        baseline = figures["baseline"][0]
        rows.append({"stops": n, "cold_s": round(cold, 2), "unchanged_s": round(unchanged, 2),
                     "one_changed_s": round(changed, 2), "peak_mb": int(peak_mb), "pdf_mb": round(size / 1e6, 1),
                     "baseline_s": round(baseline, 2), "targets": TARGETS.get(n, {})})
        print(f"{n:>6}  {cold:>15.2f} {unchanged:>9.2f} {changed:>11.2f} {peak_mb:>8.0f} {size / 1e6:>6.1f}MB"
              f"   {baseline:>21.2f}", flush=True)
    print("\nTargets: 200 stops under 2 s cold and 0.5 s unchanged; 1,000 under 8 s; peak memory under 500 MB.")
    RESULTS.write_text(json.dumps({"cores": os.cpu_count(), "peak_target_mb": PEAK_TARGET_MB, "rows": rows},
                                  indent=2) + "\n")
    print(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
