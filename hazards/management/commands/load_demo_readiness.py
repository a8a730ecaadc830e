"""Demo patrols, evacuation plans and drills (idempotent; load_demo calls this).

Dates are relative to today, so the demo reads the same whenever it is
loaded: Baimiao and Shiguzhuang are ready, Qianying's plan is a year old,
and the other Xiaotaihou villages have neither plan nor drill. Shelters and
routes, like the villages themselves, are placed by hand near the right
places: they are approximate.
"""

import datetime
import json

import gpxpy.gpx
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hazards.imports import tracks
from hazards.models import (
    Drill,
    DrillFollowUp,
    EvacuationPlan,
    EvacuationRoute,
    Hazard,
    Patrol,
    PatrolCheck,
    PlanContact,
    River,
    Shelter,
    Village,
)
from hazards.season import season_in_view

# village code: people, households, vulnerable, who helps them, trigger, reviewed this year?,
# contacts (name, duty, phone; the numbers are placeholders), shelters (name, lon, lat, capacity),
# routes (name, [(lon, lat), ...]).
DEMO_PLANS = {
    "110112104206": (  # 白庙村 Baimiao, on the Chaobai
        1260, 430, 86, "独居老人和行动不便者由村干部和网格员一对一结对转移。", "orange", True,
        [("刘建国", "村党支部书记", "13800000101"), ("陈晓燕", "包村干部（宋庄镇）", "13800000102")],
        [("白庙村委会大院", 116.755, 39.937, 500), ("宋庄中学体育馆", 116.748, 39.930, 900)],
        [("白庙村—村委会大院", [(116.770, 39.935), (116.762, 39.936), (116.755, 39.937)]),
         ("白庙村—宋庄中学", [(116.770, 39.935), (116.760, 39.932), (116.748, 39.930)])],
    ),
    "110112104222": (  # 师姑庄村 Shiguzhuang, on the Chaobai
        980, 350, 64, "村医负责卧床病人转移，备轮椅四台。", "orange", True,
        [("王志强", "村委会主任", "13800000201"), ("孙丽", "包村干部（宋庄镇）", "13800000202")],
        [("师姑庄村文化广场", 116.745, 39.979, 600), ("师姑庄小学", 116.750, 39.984, 450)],
        [("师姑庄村—文化广场", [(116.758, 39.975), (116.752, 39.977), (116.745, 39.979)])],
    ),
    "110112114205": (  # 前营村 Qianying, on the Xiaotaihou: last year's plan, not yet reviewed
        640, 220, 41, "", "yellow", False,
        [("赵德明", "村党支部书记", "13800000301")],
        [("前营村小学", 116.655, 39.838, 300)],
        [("前营村—村小学", [(116.657, 39.846), (116.656, 39.842), (116.655, 39.838)])],
    ),
}

DEMO_DRILL = {
    "town": "110112104", "villages": ["110112104206", "110112104222"], "kind": "evacuation",
    "scenario": "潮白河上游来水，宋庄段水位超警戒，发布橙色洪水预警，白庙村、师姑庄村沿河低洼区群众转移至安置点。",
    "organiser": "宋庄镇防汛指挥部", "participants": 160, "duration_minutes": 90,
    "problems": "师姑庄村东片应急广播听不清；两名独居老人不在结对帮扶名单上，转移晚了二十分钟。",
    "follow_ups": [
        ("更换师姑庄村东片应急广播", "宋庄镇政府"),
        ("更新独居老人结对帮扶名单并再次核对", "白庙村、师姑庄村村委会"),
    ],
}

XIAOTAIHOU_PATROL = (800, 3900)  # chainages walked two days ago (GPX), metres
CHAOBAI_PATROL = (4000, 13000)  # chainages drawn on the map, for a patrol twenty days ago
PATROL_CHECKS = {
    "口子村铺外路涵管": "涵管进口有树枝和塑料垃圾堵塞约三成，已通知台湖镇清理。",
    "前营村高压塔": "塔基周边堆土未清，警示牌完好。",
}


def demo_gpx(river, start_m, end_m, started_at):
    """A phone-like GPX track along the river's right bank, at walking pace (4.5 km/h)."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "OsmAnd~ 4.6.9 (Floodwatch demo)"
    segment = gpxpy.gpx.GPXTrackSegment()
    steps = int((end_m - start_m) / 20)
    for i in range(steps + 1):
        chainage = start_m + (end_m - start_m) * i / steps
        point = river.point_at(chainage, offset_m=30 + 8 * ((i // 10) % 2), bank="right")
        moment = started_at + datetime.timedelta(seconds=i * 20 / 1.25)
        segment.points.append(gpxpy.gpx.GPXTrackPoint(point.y, point.x, time=moment))
    track = gpxpy.gpx.GPXTrack(name=f"{river.name_zh}巡河")
    track.segments.append(segment)
    gpx.tracks.append(track)
    return SimpleUploadedFile("xiaotaihou_patrol.gpx", gpx.to_xml().encode("utf-8"), content_type="application/gpx+xml")


def days_before(today, days, not_before):
    """today minus days, but not earlier than the day after not_before."""
    return max(today - datetime.timedelta(days=days), not_before + datetime.timedelta(days=1))


class Command(BaseCommand):
    help = "Load demo patrols, evacuation plans and drills (after load_demo's users and hazards)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is disabled here (DEMO_DATA_ALLOWED is off).")
        try:
            inspector = User.objects.get(username="inspector")
        except User.DoesNotExist:
            raise CommandError("Run load_demo first: it creates the demo users.")
        today = timezone.localdate()
        with transaction.atomic():
            plans = self.load_plans(inspector, today)
            drills = self.load_drill(inspector, today)
            patrols = self.load_patrols(inspector, today)
        self.stdout.write(f"Readiness demo: {plans} new plans, {drills} new drills, {patrols} new patrols.")

    def load_plans(self, user, today):
        created = 0
        for code, data in DEMO_PLANS.items():
            village = Village.objects.get(code=code)
            if not EvacuationPlan.objects.filter(village=village).exists():
                self.save_plan(village, data, user, today)
                created += 1
        return created

    @staticmethod
    def save_plan(village, data, user, today):
        people, households, vulnerable, help_note, trigger, current, contacts, shelters, routes = data
        last_year_end = datetime.date(today.year - 1, 12, 31)
        reviewed = days_before(today, 20, last_year_end) if current else datetime.date(today.year - 1, 5, 10)
        plan = EvacuationPlan(
            village=village, people_at_risk=people, households_at_risk=households, vulnerable_people=vulnerable,
            vulnerable_note=help_note, trigger_level=trigger, reviewed_on=reviewed, updated_by=user,
        )
        plan.full_clean()
        plan.save()
        for name, duty, phone in contacts:
            PlanContact.objects.create(plan=plan, name=name, duty=duty, phone=phone)
        for name, lon, lat, capacity in shelters:
            Shelter.objects.create(plan=plan, name=name, location=Point(lon, lat, srid=4326), capacity=capacity)
        for name, points in routes:
            line = tracks.read_drawn_line(json.dumps({"type": "LineString", "coordinates": points}))
            EvacuationRoute.objects.create(plan=plan, name=name, path=line.line[0])

    def load_drill(self, user, today):
        if Drill.objects.filter(scenario=DEMO_DRILL["scenario"]).exists():
            return 0
        window_start, season_start = season_in_view(today)
        drill = Drill(
            date=min(days_before(today, 10, window_start), season_start),
            town=Village.objects.get(code=DEMO_DRILL["villages"][0]).town,
            kind=DEMO_DRILL["kind"], scenario=DEMO_DRILL["scenario"], organiser=DEMO_DRILL["organiser"],
            participants=DEMO_DRILL["participants"], duration_minutes=DEMO_DRILL["duration_minutes"],
            problems=DEMO_DRILL["problems"], recorded_by=user,
        )
        drill.full_clean()
        drill.save()
        drill.villages.set(Village.objects.filter(code__in=DEMO_DRILL["villages"]))
        for action, responsible in DEMO_DRILL["follow_ups"]:
            DrillFollowUp.objects.create(drill=drill, action=action, responsible=responsible, due=season_start)
        return 1

    def load_patrols(self, inspector, today):
        if Patrol.objects.filter(inspector=inspector).exists():
            return 0
        xiaotaihou, chaobai = River.objects.get(code="xiaotaihou"), River.objects.get(code="chaobai")
        day = today - datetime.timedelta(days=2)
        started = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
        walked = self.save_patrol(
            tracks.read_gpx(demo_gpx(xiaotaihou, *XIAOTAIHOU_PATROL, started)), Patrol.Source.GPX,
            river=xiaotaihou, date=day, inspector=inspector, companions="台湖镇河长办 李娜",
            note="汛前拉网式排查，萧太后河台湖段。",
        )
        for title, observation in PATROL_CHECKS.items():
            hazard = Hazard.objects.filter(river=xiaotaihou, title=title).first()
            if hazard:
                PatrolCheck.objects.create(patrol=walked, hazard=hazard, observation=observation)
        start, end = CHAOBAI_PATROL
        points = [chaobai.point_at(c, offset_m=60, bank="right").coords for c in range(start, end + 1, 250)]
        self.save_patrol(
            tracks.read_drawn_line(json.dumps({"type": "LineString", "coordinates": points})), Patrol.Source.DRAWN,
            river=chaobai, date=today - datetime.timedelta(days=20), inspector=inspector,
            note="宋庄段巡河，手机没电，轨迹在地图上补画。",
        )
        return 2

    @staticmethod
    def save_patrol(track, source, **fields):
        patrol = Patrol(
            track=track.line, source=source, started_at=track.started_at, ended_at=track.ended_at,
            moving_speed_kmh=track.moving_speed_kmh, **fields,
        )
        patrol.full_clean()
        patrol.save()
        return patrol
