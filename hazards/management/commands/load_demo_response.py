"""Demo flood response (idempotent; load_demo calls this): responsible persons, materials, teams, duty, gauges, and
the orange warning of 28 July 2025 on the Chaobai with its evacuation totals.

People's names and phones are made up (the numbers are placeholders, like the plans' contacts). Depots, team
bases and gauges are placed by hand and marked approximate. The Suzhuang rubber dam (苏庄橡胶坝) is a real
control work on the Chaobai in Tongzhou; its readings of 27 to 29 July 2025 are those the district published
(北京通州发布, 29 July 2025); its thresholds are made up for the demo. The Taihu rain gauge is invented.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hazards.models import (
    CallOut,
    ChecklistItem,
    Declaration,
    DeclarationAction,
    Depot,
    DepotItem,
    DutyLogEntry,
    DutyShift,
    Evacuation,
    Gauge,
    GaugeReading,
    Hazard,
    RescueTeam,
    Responsibility,
    ResponsiblePerson,
    River,
    ShelterOccupancy,
    TeamStretch,
    Town,
    Village,
    WorkOrder,
)
from hazards.season import season_year

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
# name, unit, position, leads the unit, mobile, e-mail
PEOPLE = {
    "zhou": ("周海涛", "宋庄镇人民政府", "副镇长", False, "13800001001", "zhouhaitao@songzhuang.example.cn"),
    "wu": ("吴建华", "宋庄镇人民政府", "镇长", True, "13800001002", "wujianhua@songzhuang.example.cn"),
    "zheng": ("郑文博", "通州区水务局河道管理所", "工程师", False, "13800001003", "zhengwenbo@tzsw.example.cn"),
    "feng": ("冯立群", "通州区水务局河道管理所", "所长", True, "13800001004", "fengliqun@tzsw.example.cn"),
    "ma": ("马国庆", "宋庄镇河长办", "巡河员", False, "13800001005", "maguoqing@songzhuang.example.cn"),
    "tian": ("田志刚", "宋庄镇河长办", "主任", True, "13800001006", "tianzhigang@songzhuang.example.cn"),
    "liu": ("刘建国", "白庙村村委会", "村党支部书记", True, "13800000101", "liujianguo@baimiao.example.cn"),
    "chen": ("陈晓燕", "宋庄镇人民政府", "包村干部（白庙村）", False, "13800000102", "chenxiaoyan@songzhuang.example.cn"),
    "wang": ("王志强", "师姑庄村村委会", "村委会主任", True, "13800000201", "wangzhiqiang@shiguzhuang.example.cn"),
    "sun": ("孙丽", "宋庄镇人民政府", "包村干部（师姑庄村）", False, "13800000202", "sunli@songzhuang.example.cn"),
    "huang": ("黄志远", "台湖镇人民政府", "副镇长", False, "13800002001", "huangzhiyuan@taihu.example.cn"),
    "lin": ("林雪", "通州区水务局河道管理所", "工程师", False, "13800002002", "linxue@tzsw.example.cn"),
    "he": ("何春生", "台湖镇河长办", "巡河员", False, "13800002003", "hechunsheng@taihu.example.cn"),
    "luo": ("罗斌", "通州区水务工程队（演示）", "技术负责人", False, "13800002004", ""),
}
CHAOBAI_SONGZHUANG = (6000, 13000)  # the stretch, in metres, holding the Baimiao and Shiguzhuang hazards
# (person, role, place): a hazard title, ("stretch",), a village code, or ("order", title)
RESPONSIBILITIES = [
    ("zhou", "administrative", ("stretch",)), ("zheng", "technical", ("stretch",)), ("ma", "patrol", ("stretch",)),
    ("liu", "administrative", "110112104206"), ("zheng", "technical", "110112104206"), ("ma", "patrol", "110112104206"),
    ("chen", "evacuation", "110112104206"),
    # Shiguzhuang has no patrol person named yet: the readiness table flags it.
    ("wang", "administrative", "110112104222"), ("zheng", "technical", "110112104222"),
    ("sun", "evacuation", "110112104222"),
    ("huang", "administrative", "口子村铺外路涵管"), ("lin", "technical", "口子村铺外路涵管"), ("he", "patrol", "口子村铺外路涵管"),
    ("huang", "administrative", "前营村高压塔"), ("lin", "technical", "前营村高压塔"), ("he", "patrol", "前营村高压塔"),
    ("luo", "technical", ("order", "口子村铺外路涵管扩挖改造")),
]
DEPOTS = [  # name, town code, lon, lat, keeper, phone, items [(item, quantity, storage)]
    ("宋庄镇防汛物资仓库", "110112104", 116.752, 39.951, "宋庄镇应急办 杨树林", "13800003001",
     [("sandbags", 20000, "own"), ("woven_bags", 30000, "own"), ("pumps", 6, "own"), ("generators", 3, "agent"),
      ("life_jackets", 400, "own"), ("lights", 40, "own"), ("sandbags", 5000, "pledged")]),
    ("台湖镇防汛物资仓库", "110112114", 116.650, 39.845, "台湖镇应急办 许建军", "13800003002",
     [("sandbags", 12000, "own"), ("woven_bags", 15000, "agent"), ("pumps", 8, "own"), ("generators", 2, "own"),
      ("life_jackets", 200, "own"), ("lights", 30, "own")]),
]
TEAMS = [  # name, size, equipment, town, lon, lat, contact, phone, standby, stretches, hazard titles
    ("宋庄镇防汛抢险队", 60, "冲锋舟2艘、挖掘机2台、运输车4辆、照明车1辆", "110112104", 116.749, 39.948, "宋庄镇应急办 杨树林",
     "13800003001", "standby", [("chaobai", 0, 20000)], []),
    ("台湖镇防汛抢险队", 45, "挖掘机1台、抽水泵6台、运输车3辆", "110112114", 116.648, 39.847, "台湖镇应急办 许建军",
     "13800003002", "off", [], ["口子村铺外路涵管", "前营村高压塔"]),
]
GAUGES = [  # code, name, kind, river, chainage, offset, thresholds, source
    ("suzhuang-dam", "潮白河苏庄橡胶坝水位站", "water_level", "chaobai", 2500, 40,
     {"alert_level_m": 24.5, "warning_level_m": 25.5, "guaranteed_level_m": 27.0},
     "苏庄橡胶坝是潮白河通州段的控制工程；位置为手工放置，约略；水位阈值为演示设定。2025年7月读数见北京通州发布（2025-07-29）。"),
    ("taihu-rain", "台湖镇雨量站（演示）", "rain", "xiaotaihou", 2500, 300, {"rain_1h_mm": 30, "rain_3h_mm": 50},
     "演示站点，位置约略。"),
]
READINGS = {  # code: [(local time, value)]
    "suzhuang-dam": [("2025-07-27 18:00", 24.78), ("2025-07-28 12:00", 25.31), ("2025-07-28 20:00", 25.72),
                     ("2025-07-29 00:00", 26.14), ("2025-07-30 08:00", 25.40), ("2025-07-31 08:00", 24.60)],
    "taihu-rain": [("2025-07-28 18:00", 12.5), ("2025-07-28 19:00", 31.0), ("2025-07-28 20:00", 18.5)],
}
PAST = {
    "started": "2025-07-28 20:00", "ended": "2025-07-31 12:00",
    "note": "密云水库向潮白河泄流，苏庄橡胶坝水位快速上涨（演示数据）。",
    # village code: moved, vulnerable moved, with relatives, vehicles, {shelter name: people}
    "evacuations": {
        "110112104206": (1188, 86, 320, 14, {"白庙村委会大院": 480, "宋庄中学体育馆": 388}),
        "110112104222": (941, 64, 250, 9, {"师姑庄村文化广场": 420, "师姑庄小学": 271}),
    },
    "unconfirmed": "ma",  # escalated after the set time
}


def local(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


class Command(BaseCommand):
    help = "Load the demo flood response (after load_demo's users, hazards and load_demo_readiness's plans)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is disabled here (DEMO_DATA_ALLOWED is off).")
        users = {user.username: user for user in User.objects.filter(username__in=["inspector", "leader", "admin"])}
        if len(users) < 3:
            raise CommandError("Run load_demo first: it creates the demo users.")
        with transaction.atomic():
            people = self.load_people()
            resources = self.load_resources()
            shifts = self.load_duty(users)
            gauges = self.load_gauges(users["inspector"])
            past = self.load_past_warning(people, users)
        self.stdout.write(f"Response demo: {len(people)} responsible persons, {resources} depots and teams, "
                          f"{shifts} shifts, {gauges} gauges, {past} past warnings.")

    def load_people(self):
        persons = {}
        for key, (name, unit, position, leads, mobile, email) in PEOPLE.items():
            persons[key], _created = ResponsiblePerson.objects.get_or_create(
                name=name, mobile=mobile,
                defaults={"unit": unit, "position": position, "leads_unit": leads, "email": email,
                          "trained_on": datetime.date(season_year() - 1, 4, 20) if key != "sun" else None})
        year = season_year()
        chaobai = River.objects.get(code="chaobai")
        for key, role, place in RESPONSIBILITIES:
            where = self.place(place, chaobai)
            if where is not None:
                Responsibility.objects.get_or_create(person=persons[key], role=role, season=year, **where)
        return persons

    @staticmethod
    def place(place, chaobai):
        if place == ("stretch",):
            return {"river": chaobai, "start_m": CHAOBAI_SONGZHUANG[0], "end_m": CHAOBAI_SONGZHUANG[1]}
        if isinstance(place, tuple):
            order = WorkOrder.objects.filter(title=place[1]).first()
            return {"work_order": order} if order else None
        if place.isdigit():
            return {"village": Village.objects.get(code=place)}
        hazard = Hazard.objects.filter(title=place).first()
        return {"hazard": hazard} if hazard else None

    def load_resources(self):
        created = 0
        for name, town, lon, lat, keeper, phone, items in DEPOTS:
            depot, new = Depot.objects.get_or_create(name=name, defaults={
                "location": Point(lon, lat, srid=4326), "approximate": True, "town": Town.objects.get(code=town),
                "keeper": keeper, "keeper_phone": phone, "last_checked": datetime.date(season_year() - 1, 5, 15)})
            if new:
                created += 1
                DepotItem.objects.bulk_create([DepotItem(depot=depot, item=item, quantity=quantity, storage=storage)
                                               for item, quantity, storage in items])
        for name, size, equipment, town, lon, lat, contact, phone, standby, stretches, hazards in TEAMS:
            team, new = RescueTeam.objects.get_or_create(name=name, defaults={
                "size": size, "equipment": equipment, "town": Town.objects.get(code=town), "standby": standby,
                "base": Point(lon, lat, srid=4326), "approximate": True, "contact": contact, "contact_phone": phone})
            if new:
                created += 1
                for river, start, end in stretches:
                    TeamStretch.objects.create(team=team, river=River.objects.get(code=river), start_m=start, end_m=end)
                team.hazards.set(Hazard.objects.filter(title__in=hazards))
        return created

    def load_duty(self, users):
        """Daily shifts from yesterday 08:00 for two weeks: the leader and the admin take turns leading, the
        inspector is on every one (the person on duty in the walk-through)."""
        if DutyShift.objects.exists():
            return 0
        start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
        for day in range(14):
            shift = DutyShift.objects.create(
                starts_at=start + datetime.timedelta(days=day), ends_at=start + datetime.timedelta(days=day + 1),
                leader=users["leader"] if day % 2 == 0 else users["admin"], created_by=users["admin"])
            shift.staff.set([users["inspector"]])
        DutyLogEntry.objects.create(at=start + datetime.timedelta(hours=1), shift=DutyShift.objects.order_by("starts_at")
                                    .first(), kind=DutyLogEntry.Kind.HANDOVER, recorded_by=users["inspector"],
                                    what="交班：宋庄镇抢险队备勤；苏庄橡胶坝水位平稳。")
        return 14

    def load_gauges(self, user):
        created = 0
        for code, name, kind, river, chainage, offset, thresholds, source in GAUGES:
            if Gauge.objects.filter(code=code).exists():
                continue
            river = River.objects.get(code=river)
            gauge = Gauge(code=code, name=name, kind=kind, river=river, location=river.point_at(chainage, offset),
                          approximate=True, source_note=source, **thresholds)
            gauge.full_clean()
            gauge.save()
            GaugeReading.objects.bulk_create([
                GaugeReading(gauge=gauge, observed_at=local(when), value=value, recorded_by=user)
                for when, value in READINGS[code]])
            created += 1
        return created

    def load_past_warning(self, people, users):
        if Declaration.objects.filter(note=PAST["note"]).exists():
            return 0
        chaobai = River.objects.get(code="chaobai")
        started, ended = local(PAST["started"]), local(PAST["ended"])
        past = Declaration(warning="orange", response_level=2, scope="river", river=chaobai, note=PAST["note"],
                           declared_by=users["leader"], started_at=started, ended_at=ended, ended_by=users["leader"])
        past.full_clean()
        past.save()
        for n, item in enumerate(ChecklistItem.objects.filter(response_level=2)):
            DeclarationAction.objects.create(declaration=past, position=item.position, text_zh=item.text_zh,
                                             text_en=item.text_en, done_by=users["leader"],
                                             done_at=started + datetime.timedelta(minutes=20 + 10 * n))
        deadline = started + datetime.timedelta(minutes=settings.CALL_CONFIRM_MINUTES)
        for key in ("zhou", "zheng", "ma", "liu", "chen", "wang", "sun"):
            late = key == PAST["unconfirmed"]
            CallOut.objects.create(
                declaration=past, person=people[key], reasons="潮白河宋庄段 K6+000–K13+000", sent_at=started,
                deadline=deadline, confirmed_at=None if late else started + datetime.timedelta(minutes=4),
                escalated_at=deadline if late else None, escalated_to="田志刚, 区领导 张伟, 巡查员 王明" if late else "")
        for code, (moved, vulnerable, relatives, vehicles, shelters) in PAST["evacuations"].items():
            village = Village.objects.get(code=code)
            plan = village.evacuation_plan
            evacuation = Evacuation.objects.create(
                declaration=past, village=village, plan=plan, to_move=plan.people_at_risk,
                vulnerable_to_move=plan.vulnerable_people, moved=moved, vulnerable_moved=vulnerable,
                to_relatives=relatives, returned=moved, vehicles=vehicles, started_at=started, ended_at=ended,
                updated_by=PEOPLE["chen" if code == "110112104206" else "sun"][0])
            for shelter in plan.shelters.all():
                ShelterOccupancy.objects.create(evacuation=evacuation, shelter=shelter, people=shelters[shelter.name])
        return 1
