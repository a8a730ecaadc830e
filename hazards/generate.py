"""Realistic data at scale, for benchmarks and demos only (`manage.py generate_hazards N`).

N hazards along the centerlines, with what a register of that size has
around it: work orders at every stage, progress updates with photos,
acceptances, patrols, and the change history of each, spread over three
years. Everything is derived by the app's own rules, vectorised: places and
risk levels by Hazard.derive_places, the checks of a form by
check_locations, each hazard's status by works.hazard_status from its
orders. Rows are written in bulk, with their history rows, so that 100,000
hazards take minutes, not hours. Photos are a few small real JPEGs written
once and shared by every row (their bytes are not what is being measured).

Generated hazards have codes such as CBH-G0000001, so that they are never
mistaken for real ones (generated_code, is_generated).
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from io import BytesIO

import numpy as np
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import MultiLineString, Point
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from . import geo, photos, season, tiles
from .models import (
    Acceptance,
    AcceptancePhoto,
    Hazard,
    HazardPhoto,
    Patrol,
    ProgressPhoto,
    ProgressUpdate,
    River,
    WorkOrder,
    check_locations,
    derive_places,
    hazard_status,
)

CODE_MARK = "-G"  # CBH-G0000001: a generated hazard
CHUNK = 10_000  # hazards built and written at once (bounded memory, whatever N)
BATCH = 2_000  # rows a bulk INSERT
YEARS = 3  # how far back the generated history goes
PHOTOS = 6  # distinct photo files, shared by every photo row
# Generated staff (no password: they cannot log in), more for more hazards: at most ~1,000 orders an engineer.
ENGINEERS, INSPECTORS = 24, 12

# How a district's register looks (the demo's and the inspection reports' mix): kind, share,
# share in the main channel, typical blockage (beta distribution a, b; scaled to 0-60 %).
KINDS = [
    ("vegetation", 0.26, 0.20, (1.5, 6)),
    ("debris", 0.22, 0.10, (1.2, 8)),
    ("sediment", 0.12, 0.30, (2, 6)),
    ("building", 0.10, 0.15, (2, 5)),
    ("culvert", 0.09, 0.70, (3, 4)),
    ("fish_pond", 0.08, 0.05, (1.5, 6)),
    ("bridge_pier", 0.06, 0.80, (2.5, 5)),
    ("pylon", 0.04, 0.60, (2, 6)),
    ("other", 0.03, 0.20, (1.5, 6)),
]
TITLES = {
    "vegetation": "阻水林木", "debris": "河道垃圾渣土", "sediment": "河床淤积", "building": "违建看护房",
    "culvert": "过路涵管", "fish_pond": "滩地鱼塘围埝", "bridge_pier": "桥墩", "pylon": "高压塔", "other": "其他阻水物",
}
ORDER_KIND = {
    "vegetation": "cut_vegetation", "debris": "remove", "sediment": "dredge", "building": "remove",
    "culvert": "enlarge_culvert", "fish_pond": "interim", "bridge_pier": "reinforce", "pylon": "relocate",
    "other": "remove",
}
# What has happened to a hazard, with its share: the orders it has, each (order status, progress %).
# Its own status follows from them (works.hazard_status); with none, it is the inspector's.
STORIES = [
    ("reported", 0.29, []),
    ("confirmed", 0.14, []),
    ("closed", 0.02, []),
    ("planned", 0.10, [("planned", 0)]),
    ("under way", 0.16, [("in_progress", None)]),
    ("awaiting acceptance", 0.04, [("completed", 100)]),
    ("cleared", 0.15, [("accepted", 100)]),
    ("suspended", 0.02, [("suspended", None)]),
    ("came back", 0.03, [("accepted", 100), ("in_progress", None)]),
    ("measure for the season", 0.03, [("accepted", 100, "interim")]),
    ("measure then works", 0.02, [("accepted", 100, "interim"), ("planned", 0)]),
]
NOTES = ["机械进场施工。", "已完成大部分清理。", "降雨停工一天。", "围堰完成。", "清运渣土。", "现场复查，进度正常。"]
UNITS = ["区水务局河道管理所", "镇政府", "区交通局", "国网北京通州供电公司", "区城管执法局"]


@dataclass
class Counts:
    hazards: int = 0
    orders: int = 0
    updates: int = 0
    acceptances: int = 0
    photos: int = 0
    patrols: int = 0
    history: int = 0
    seconds: dict = field(default_factory=dict)

    def __str__(self):
        return (f"{self.hazards:,} hazards, {self.orders:,} work orders, {self.updates:,} progress updates, "
                f"{self.acceptances:,} acceptances, {self.photos:,} photo rows, {self.patrols:,} patrols, "
                f"{self.history:,} history rows")


def generated_code(prefix, number):
    return f"{prefix}{CODE_MARK}{number:07d}"


def generated_hazards():
    return Hazard.objects.filter(code__contains=CODE_MARK)


@contextmanager
def dates_as_given(*models):
    """Turn auto_now and auto_now_add off while generating, so that rows keep the dates
    they were given (years of history), not all the moment they were written."""
    fields = [f for model in models for f in model._meta.concrete_fields
              if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def generate(n, *, seed=1, progress=lambda text: None):
    """Add n generated hazards and all that goes with them; returns what was written."""
    rng = np.random.default_rng(seed)
    counts = Counts()
    staff = _staff(n)
    files = _photo_files()
    rivers = list(River.objects.all())
    if not rivers:
        raise ValueError("No rivers: run manage.py load_gis_data first.")
    numbers = _next_numbers(rivers)
    now = timezone.now()
    with dates_as_given(Hazard, WorkOrder, ProgressUpdate, Acceptance, HazardPhoto, ProgressPhoto,
                        AcceptancePhoto, Patrol):
        done = 0
        while done < n:
            size = min(CHUNK, n - done)
            with transaction.atomic():
                _chunk(size, rng, rivers, numbers, staff, files, now, counts)
            done += size
            progress(f"{done:,} of {n:,} hazards")
        with transaction.atomic():
            _patrols(max(1, n // 200), rng, rivers, staff, now, counts)
            tiles.hazards_changed()  # bulk writes send no signals
            tiles.hazards_changed("orders")
    return counts


def _staff(n):
    """Engineers and inspectors to assign: the demo's, if loaded, and generated ones who cannot log in."""
    pools = {}
    for role, count in (("engineer", max(ENGINEERS, n // 1000)), ("inspector", max(INSPECTORS, n // 2000))):
        group = Group.objects.get_or_create(name=role)[0]
        names = [f"gen-{role}-{i:03d}" for i in range(1, count + 1)]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        for name in names:
            if name not in existing:
                user = User(username=name, first_name=f"{'工程师' if role == 'engineer' else '巡查员'} {name[-3:]}")
                user.set_unusable_password()
                user.save()
                user.groups.add(group)
        pools[role] = list(User.objects.filter(groups=group).order_by("pk"))
    return pools


def _photo_files():
    """A few small real JPEGs and their thumbnails, written once under media/generated/."""
    files = []
    for i in range(PHOTOS):
        name, thumb = f"generated/photo-{i}.jpg", f"generated/thumb-{i}.jpg"
        if not (default_storage.exists(name) and default_storage.exists(thumb)):
            image = Image.new("RGB", (640, 480), "#9fc5e8")
            draw = ImageDraw.Draw(image)
            draw.rectangle([0, 300, 640, 480], fill="#6b8e23")
            draw.rectangle([0, 240, 640, 310], fill="#3d85c6")
            draw.rectangle([200 + 30 * i, 120, 320 + 30 * i, 320], fill=list(Hazard.RISK_COLOURS.values())[i % 4])
            draw.text((16, 16), f"GENERATED {i}", fill="black")
            out = BytesIO()
            image.save(out, "JPEG", quality=80)
            prepared = photos.prepare(SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg"))
            for path, data in ((name, out.getvalue()), (thumb, prepared.thumbnail)):
                if default_storage.exists(path):
                    default_storage.delete(path)
                default_storage.save(path, BytesIO(data))
        files.append((name, thumb))
    return files


def _next_numbers(rivers):
    """The next free generated number on each river."""
    numbers = {}
    for river in rivers:
        prefix = f"{river.code_prefix}{CODE_MARK}"
        last = generated_hazards().filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
        numbers[river.pk] = int(last[len(prefix):]) + 1 if last else 1
    return numbers


def _places(size, rng, rivers):
    """Points along the rivers (by length), mostly near the centerline, that pass a form's checks."""
    lengths = np.array([river.length_m for river in rivers])
    hazards = []
    while len(hazards) < size:
        want = int((size - len(hazards)) * 1.1) + 16
        which = rng.choice(len(rivers), size=want, p=lengths / lengths.sum())
        batch = []
        for r, river in enumerate(rivers):
            pick = which == r
            count = int(pick.sum())
            if not count:
                continue
            xy = geo.points_at_xy(river.centerline, rng.uniform(0, river.length_m, count),
                                  np.minimum(np.abs(rng.normal(0, 120, count)), 480), rng.choice([1, -1], count))
            lonlat = geo.transform_xy(xy, geo.METRIC_SRID, geo.WGS84)
            batch += [Hazard(river=river, location=Point(x, y, srid=geo.WGS84)) for x, y in lonlat]
        errors = check_locations(batch)
        hazards += [hazard for i, hazard in enumerate(batch) if i not in errors]
    return hazards[:size]


def _chunk(size, rng, rivers, numbers, staff, files, now, counts):
    hazards = _places(size, rng, rivers)
    kind_of = rng.choice(len(KINDS), size=size, p=[k[1] for k in KINDS])
    stories = rng.choice(len(STORIES), size=size, p=[s[1] for s in STORIES])
    ages = rng.uniform(0, YEARS * 365, size)
    for i, hazard in enumerate(hazards):
        kind, _share, main_share, (a, b) = KINDS[kind_of[i]]
        hazard.kind = kind
        hazard.in_main_channel = bool(rng.random() < main_share)
        hazard.blockage_pct = round(float(rng.beta(a, b) * 60), 1)
        hazard.created_at = now - timedelta(days=float(ages[i]))
        hazard.updated_at = hazard.created_at
        hazard.reported_by = staff["inspector"][i % len(staff["inspector"])]
        if rng.random() < 0.01:
            hazard.risk_override = "major"
            hazard.risk_override_reason = "上游村庄密集，按重大风险管理（生成数据）"
    derive_places(hazards)
    orders_of = []
    for i, hazard in enumerate(hazards):
        river = hazard.river
        hazard.code = generated_code(river.code_prefix, numbers[river.pk])
        numbers[river.pk] += 1
        place = hazard.village.name_zh if hazard.village_id else river.name_zh
        hazard.title = f"{place}段{TITLES[hazard.kind]}"
        hazard.description = f"{river.name_zh}{hazard.chainage}处{TITLES[hazard.kind]}，压缩行洪断面约{hazard.blockage_pct:.0f}%。"
        hazard.responsible_unit = (hazard.town.name_zh if hazard.town_id else "") + UNITS[i % len(UNITS)]
        story, _share, steps = STORIES[stories[i]]
        hazard.status = story if story in Hazard.REVIEW_STATUSES else "confirmed"
        orders = [_order(hazard, j, *step, rng=rng, staff=staff, now=now) for j, step in enumerate(steps)]
        hazard.status = hazard_status(hazard, orders)
        if orders:
            hazard.updated_at = max(order.updated_at for order in orders)
        if any(o.status == "accepted" and o.kind == "interim" for o in orders):
            hazard.interim_measure = "设置警示牌，汛期专人值守，备好抽水泵。"
        orders_of.append(orders)
    _write_hazards(hazards, counts)
    _write_hazard_photos(hazards, rng, files, counts)
    _write_orders(hazards, orders_of, rng, staff, files, now, counts)


def _order(hazard, index, status, pct, kind=None, *, rng, staff, now):
    """One work order of a hazard, at a stage of its life (its progress and acceptance with it)."""
    start = hazard.created_at + timedelta(days=float(rng.uniform(3, 60)) + 120 * index)
    if status not in WorkOrder.DONE_STATUSES:  # works still open started this year, not three years ago
        start = max(start, now - timedelta(days=float(rng.uniform(5, 240))))
    start = min(start, now - timedelta(hours=1))
    kind = kind or ORDER_KIND[hazard.kind]
    if pct is None:
        pct = int(rng.integers(5, 96))
    deadline = season.flood_season_start(start.date())
    if deadline < start.date():
        deadline = deadline.replace(year=deadline.year + 1)
    order = WorkOrder(
        title=f"{hazard.title}{WorkOrder.Kind(kind).label}", kind=kind, hazard=hazard, river_id=hazard.river_id,
        responsible_unit=hazard.responsible_unit, contractor="通州区水务工程队（生成数据）", deadline=deadline,
        status=status, progress_pct=pct, created_at=start,
        planned_start=(start + timedelta(days=7)).date(),
    )
    if status == "suspended":
        order.suspended_reason = "汛期临近，等待施工许可（生成数据）。"
    engineers = staff["engineer"]
    order.engineer_ids = sorted({engineers[int(k)].pk for k in rng.integers(0, len(engineers), int(rng.integers(1, 3)))})
    order.steps = _steps(pct, status, start, now, rng)
    done_at = order.steps[-1][1] if order.steps else start
    order.accepted_at = done_at + timedelta(days=float(rng.uniform(1, 10))) if status == "accepted" else None
    order.accepted_at = min(order.accepted_at, now) if order.accepted_at else None
    order.updated_at = order.accepted_at or done_at
    order.version = 1 + len(order.steps) + (1 if order.accepted_at else 0)
    return order


def _steps(pct, status, start, now, rng):
    """Progress reports that reach pct: (percent, when), rising, between the order's start and now."""
    if status == "planned" or pct == 0:
        return []
    count = int(rng.integers(1, 4))
    percents = sorted(set(int(p) for p in rng.integers(5, max(pct, 6), count - 1)) - {pct}) + [pct]
    span = max((now - start).total_seconds(), 3600.0)
    moments = sorted(start + timedelta(seconds=float(s)) for s in rng.uniform(0, span * 0.9, len(percents)))
    return list(zip(percents, moments))


def _history(objs, model, moment, user_of, counts, update=False, reason="生成数据"):
    """History rows for rows written in bulk, dated as given (simple_history's bulk_history_create)."""
    for obj in objs:
        obj._history_date = moment(obj)
        obj._history_user = user_of(obj)
    model.history.bulk_history_create(objs, batch_size=BATCH, update=update, default_change_reason=reason)
    counts.history += len(objs)


def _write_hazards(hazards, counts):
    Hazard.objects.bulk_create(hazards, batch_size=BATCH)
    counts.hazards += len(hazards)
    # As reported, then, for those whose orders moved them on, as they are now.
    final = [(h, h.status, h.interim_measure) for h in hazards]
    for hazard in hazards:
        hazard.status = hazard.status if hazard.status in Hazard.REVIEW_STATUSES else "confirmed"
        hazard.interim_measure = ""
    _history(hazards, Hazard, lambda h: h.created_at, lambda h: h.reported_by, counts)
    for hazard, status, measure in final:
        hazard.status, hazard.interim_measure = status, measure
    moved = [h for h in hazards if h.updated_at > h.created_at]
    _history(moved, Hazard, lambda h: h.updated_at, lambda h: None, counts, update=True)


def _photo(model, files, rng, user, when, **owner):
    image, thumbnail = files[int(rng.integers(0, len(files)))]
    return model(image=image, thumbnail=thumbnail, uploaded_by=user, created_at=when, **owner)


def _write_hazard_photos(hazards, rng, files, counts):
    rows = [_photo(HazardPhoto, files, rng, h.reported_by, h.created_at, hazard=h) for h in hazards if rng.random() < 0.6]
    HazardPhoto.objects.bulk_create(rows, batch_size=BATCH)
    counts.photos += len(rows)


def _write_orders(hazards, orders_of, rng, staff, files, now, counts):
    orders = [order for orders in orders_of for order in orders]
    if not orders:
        return
    WorkOrder.objects.bulk_create(orders, batch_size=BATCH)
    counts.orders += len(orders)
    through = WorkOrder.engineers.through
    through.objects.bulk_create([through(workorder_id=o.pk, user_id=u) for o in orders for u in o.engineer_ids],
                                batch_size=BATCH)
    final = [(o, o.status, o.progress_pct, o.version) for o in orders]
    for order in orders:
        order.status, order.progress_pct, order.version = "planned", 0, 1
    admin = staff["inspector"][0]
    _history(orders, WorkOrder, lambda o: o.created_at, lambda o: admin, counts)
    for order, status, pct, version in final:
        order.status, order.progress_pct, order.version = status, pct, version
    moved = [o for o in orders if o.updated_at > o.created_at]
    _history(moved, WorkOrder, lambda o: o.updated_at, lambda o: None, counts, update=True)

    users = {u.pk: u for u in staff["engineer"]}
    updates = []
    for order in orders:
        for percent, when in order.steps:
            author = users[order.engineer_ids[int(rng.integers(0, len(order.engineer_ids)))]]
            updates.append(ProgressUpdate(order=order, percent=percent, author=author, created_at=when,
                                          note=NOTES[int(rng.integers(0, len(NOTES)))]))
    ProgressUpdate.objects.bulk_create(updates, batch_size=BATCH)
    counts.updates += len(updates)
    _history(updates, ProgressUpdate, lambda u: u.created_at, lambda u: u.author, counts)
    pictures = [_photo(ProgressPhoto, files, rng, u.author, u.created_at, update=u) for u in updates if rng.random() < 0.5]
    ProgressPhoto.objects.bulk_create(pictures, batch_size=BATCH)
    counts.photos += len(pictures)

    inspectors = staff["inspector"]
    acceptances = [Acceptance(order=o, accepted_by=inspectors[int(rng.integers(0, len(inspectors)))],
                              note="现场复核，已按要求完成。", created_at=o.accepted_at)
                   for o in orders if o.accepted_at]
    Acceptance.objects.bulk_create(acceptances, batch_size=BATCH)
    counts.acceptances += len(acceptances)
    _history(acceptances, Acceptance, lambda a: a.created_at, lambda a: a.accepted_by, counts)
    pictures = [_photo(AcceptancePhoto, files, rng, a.accepted_by, a.created_at, acceptance=a) for a in acceptances]
    AcceptancePhoto.objects.bulk_create(pictures, batch_size=BATCH)
    counts.photos += len(pictures)


def _patrols(count, rng, rivers, staff, now, counts):
    """Patrols walking stretches of 1-8 km along a river; what each covers is the stretch it follows."""
    lengths = np.array([river.length_m for river in rivers])
    patrols = []
    for i in range(count):
        river = rivers[int(rng.choice(len(rivers), p=lengths / lengths.sum()))]
        stretch = min(float(rng.uniform(1000, 8000)), river.length_m - 10)
        start = float(rng.uniform(0, river.length_m - stretch))
        track = MultiLineString(geo.reach(river.centerline, start, start + stretch), srid=geo.WGS84)
        day = (now - timedelta(days=float(rng.uniform(0, YEARS * 365)))).date()
        speed = float(rng.uniform(2.5, 5.5))
        started = timezone.make_aware(datetime.combine(day, time(8, 30)))
        patrols.append(Patrol(
            river=river, date=day, inspector=staff["inspector"][i % len(staff["inspector"])],
            source=Patrol.Source.DRAWN, track=track, started_at=started,
            ended_at=started + timedelta(hours=stretch / 1000 / speed), moving_speed_kmh=speed,
            note="例行巡河（生成数据）", length_m=stretch, covered=[[round(start, 1), round(start + stretch, 1)]],
            covered_m=stretch, on_river_pct=100.0, created_at=started + timedelta(hours=4),
        ))
    Patrol.objects.bulk_create(patrols, batch_size=500)
    counts.patrols += len(patrols)
    _history(patrols, Patrol, lambda p: p.created_at, lambda p: p.inspector, counts)


def holds_real_data():
    """Whether the database has hazards that neither this module nor the demo made."""
    from .management.commands.load_demo import DEMO_HAZARDS

    demo_titles = [row[1] for row in DEMO_HAZARDS]
    return Hazard.objects.exclude(code__contains=CODE_MARK).exclude(title__in=demo_titles).exists()


def allowed():
    """Generated data is for benchmarks and demos: development, the test suite, or an explicit flag."""
    return settings.DEBUG or getattr(settings, "TESTING", False)
