"""Demo users and hazards for trying Floodwatch out (idempotent).

Refused unless DEMO_DATA_ALLOWED (on by default only with DEBUG): production
never gets these users and their shared password.
"""

from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from hazards import services
from hazards.models import Hazard, HazardPhoto, River, Village, WorkOrder

DEMO_PASSWORD = "floodwatch-demo"
DEMO_USERS = [  # username, role, full name
    ("inspector", "inspector", "巡查员 王明"),
    ("engineer", "engineer", "工程师 李强"),
    ("engineer2", "engineer", "工程师 赵磊"),
    ("leader", "leader", "区领导 张伟"),
    ("admin", "admin", "管理员"),
]

# river, title, kind, in main channel, blockage %, status, unit, where:
# a village code (placed by it, on the river) or a chainage in metres.
DEMO_HAZARDS = [
    ("chaobai", "白庙村段主河槽阻水林木及违建", "vegetation", True, 18, "confirmed", "宋庄镇政府", "110112104206",
     "白庙村段主河槽内成片阻水林木和一处违建看护房，汛前需清除。"),
    ("chaobai", "师姑庄村段河道堆土及建筑垃圾", "debris", False, 16, "planned", "宋庄镇政府", "110112104222",
     "河道内堆放渣土和建筑垃圾，压缩行洪断面。"),
    ("chaobai", "潮白河宋庄段河床淤积", "sediment", False, 10, "reported", "区水务局河道管理所", 16500,
     "河床淤积，需汛前清淤。"),
    ("chaobai", "潮白河西集段滩地鱼塘围埝", "fish_pond", False, 8, "monitoring", "西集镇政府", 30500,
     "滩地鱼塘围埝，汛前无法拆除，落实临时度汛措施。"),
    ("chaobai", "潮白河漫水桥桥墩", "bridge_pier", True, 35, "in_progress", "区交通局", 24000,
     "漫水桥桥墩位于主河槽，阻水明显。"),
    ("xiaotaihou", "口子村铺外路涵管", "culvert", True, 65, "in_progress", "台湖镇政府", "110112114206",
     "铺外路跨萧太后河涵管，位于河道主流区，过流能力不足，行洪断面小。"),
    ("xiaotaihou", "前营村高压塔", "pylon", True, 30, "in_progress", "国网北京通州供电公司", "110112114205",
     "高压塔位于河道主流区，行洪断面小。"),
    ("xiaotaihou", "萧太后河台湖段岸边垃圾", "debris", False, 5, "reported", "台湖镇政府", 1200,
     "岸边堆放生活垃圾。"),
    ("xiaotaihou", "萧太后河张家湾段阻水芦苇", "vegetation", False, 12, "cleared", "张家湾镇政府", 6600,
     "河道内芦苇丛生，已打草清理。"),
]


# title, kind, hazard title or (river, from m, to m), engineers, unit, contractor,
# progress steps [(engineer, percent, note)], days to the deadline (None: the
# flood season's start), accepted by the inspector.
DEMO_ORDERS = [
    ("口子村铺外路涵管扩挖改造", "enlarge_culvert", "口子村铺外路涵管", ["engineer"], "台湖镇政府", "通州区水务工程队（演示）",
     [("engineer", 20, "围堰完成，开始拆除旧涵管。"), ("engineer", 40, "旧涵管拆除过半。")], None, False),
    ("前营村高压塔迁改", "relocate", "前营村高压塔", ["engineer2"], "国网北京通州供电公司", "电力施工单位（演示）",
     [("engineer2", 25, "新塔基础施工中。")], None, False),
    ("潮白河漫水桥桥墩拆除", "remove", "潮白河漫水桥桥墩", ["engineer"], "区交通局", "路桥施工单位（演示）",
     [("engineer", 50, "拆除一半，机械故障停工两天。")], -10, False),
    ("潮白河宋庄段清淤", "dredge", ("chaobai", 14000, 18500), ["engineer"], "区水务局河道管理所", "清淤队（演示）",
     [], None, False),
    ("萧太后河台湖段打草", "cut_vegetation", ("xiaotaihou", 500, 6000), ["engineer2"], "台湖镇政府", "",
     [("engineer2", 70, "已完成 K0+500 至 K4+300。")], None, False),
    ("西集段鱼塘围埝临时度汛措施", "interim", "潮白河西集段滩地鱼塘围埝", ["engineer2"], "西集镇政府", "",
     [("engineer2", 100, "设置警示牌，备好抽水泵，汛期专人值守。")], None, True),
    ("张家湾段芦苇清理", "cut_vegetation", "萧太后河张家湾段阻水芦苇", ["engineer"], "张家湾镇政府", "",
     [("engineer", 100, "芦苇已全部清理。")], -40, True),
]


def demo_photo(text_colour):
    """A plain drawn picture standing in for a site photo."""
    image = Image.new("RGB", (800, 600), "#9fc5e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 380, 800, 600], fill="#6b8e23")
    draw.rectangle([0, 300, 800, 390], fill="#3d85c6")
    draw.rectangle([330, 180, 470, 400], fill=text_colour)
    draw.text((20, 20), "DEMO PHOTO", fill="black")
    out = BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile("demo.jpg", out.getvalue(), content_type="image/jpeg")


class Command(BaseCommand):
    help = "Load demo users and hazards (never in production)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is disabled here (DEMO_DATA_ALLOWED is off).")
        call_command("load_gis_data", stdout=self.stdout)
        with transaction.atomic():
            users = self.load_users()
            created = self.load_hazards(users["inspector"])
            orders = self.load_orders(users)
        call_command("load_demo_readiness", stdout=self.stdout)
        call_command("load_demo_response", stdout=self.stdout)
        self.stdout.write(f"Demo data: {len(users)} users, {created} new hazards, {orders} new work orders.")

    def load_users(self):
        users = {}
        for username, role, full_name in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = role == "admin"
                user.is_superuser = role == "admin"
                user.save()
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            users[username] = user
        return users

    def load_hazards(self, inspector):
        created = 0
        for river_code, title, kind, main, blockage, status, unit, where, description in DEMO_HAZARDS:
            river = River.objects.get(code=river_code)
            if Hazard.objects.filter(river=river, title=title).exists():
                continue
            if isinstance(where, str):
                chainage = river.locate(Village.objects.get(code=where).geom).chainage_m
            else:
                chainage = where
            hazard = Hazard(
                river=river, title=title, kind=kind, in_main_channel=main, blockage_pct=blockage,
                status=status, responsible_unit=unit, description=description, reported_by=inspector,
                location=river.point_at(chainage, offset_m=15, bank="right"),
            )
            hazard.full_clean()
            hazard._history_user = inspector
            hazard.save()
            HazardPhoto.from_upload(demo_photo(hazard.risk_colour), inspector, hazard=hazard)
            created += 1
        return created

    def load_orders(self, users):
        created = 0
        for title, kind, where, engineers, unit, contractor, steps, days, accepted in DEMO_ORDERS:
            if WorkOrder.objects.filter(title=title).exists():
                continue
            order = WorkOrder(title=title, kind=kind, responsible_unit=unit, contractor=contractor)
            if isinstance(where, str):
                order.hazard = Hazard.objects.get(title=where)
            else:
                order.river = River.objects.get(code=where[0])
                order.start_chainage_m, order.end_chainage_m = where[1:]
            if days is not None:
                order.deadline = timezone.localdate() + timezone.timedelta(days=days)
            order.full_clean()
            services.work_order_save(order=order, user=users["admin"], engineers=[users[name] for name in engineers])
            for name, percent, note in steps:
                order.refresh_from_db()
                services.progress_update_create(
                    order_id=order.pk, user=users[name], percent=percent, note=note, version=order.version,
                    photos=[demo_photo("#8e7cc3")],
                )
            if accepted:
                services.work_order_accept(order_id=order.pk, user=users["inspector"], note="现场复核合格。",
                                           photo=demo_photo("#6aa84f"))
            created += 1
        return created
