"""Load rivers, towns and villages from gis_data/ (idempotent)."""

import json

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.management.base import BaseCommand
from django.db import transaction

from hazards.models import River, Town, Village

GIS_DATA = settings.BASE_DIR / "gis_data"

# The source lists towns by Chinese name only; the pinyin is ours.
TOWN_NAMES_EN = {
    "110112001": "Zhongcang", "110112002": "Xinhua", "110112003": "Beiyuan", "110112004": "Yuqiao",
    "110112007": "Luyuan", "110112008": "Tongyun", "110112009": "Wenjing", "110112010": "Jiukeshu",
    "110112011": "Linheli", "110112012": "Yangzhuang", "110112013": "Luyi", "110112104": "Songzhuang",
    "110112105": "Zhangjiawan", "110112106": "Huoxian", "110112109": "Majuqiao", "110112110": "Xiji",
    "110112114": "Taihu", "110112117": "Yongledian", "110112119": "Lucheng", "110112120": "Yongshun",
    "110112121": "Liyuan", "110112209": "Yujiawu",
}


def features(name):
    with open(GIS_DATA / name, encoding="utf-8") as f:
        return json.load(f)["features"]


def geometry(feature):
    if feature["geometry"] is None:
        return None
    return GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)


class Command(BaseCommand):
    help = "Load rivers, towns and villages from gis_data/."

    @transaction.atomic
    def handle(self, *args, **options):
        for order, feature in enumerate(features("rivers.geojson")):
            p = feature["properties"]
            River.objects.update_or_create(
                code=p["code"],
                defaults={
                    "code_prefix": p["code_prefix"], "name_zh": p["name_zh"], "name_en": p["name_en"],
                    "centerline": geometry(feature), "approximate": p["approximate"],
                    "source_note": p["source"], "sort_order": order,
                },
            )
        for feature in features("tongzhou_towns.geojson"):
            p = feature["properties"]
            Town.objects.update_or_create(
                code=p["nbs_code"],
                defaults={"name_zh": p["name"], "name_en": TOWN_NAMES_EN.get(p["nbs_code"], ""), "geom": geometry(feature)},
            )
        for feature in features("villages_demo.geojson"):
            p = feature["properties"]
            Village.objects.update_or_create(
                code=p["nbs_code"],
                defaults={
                    "name_zh": p["name"], "name_en": p["name_pinyin"], "geom": geometry(feature),
                    "town": Town.objects.get(code=p["town_code"]), "approximate": True,
                },
            )
        self.stdout.write(
            f"GIS data: {River.objects.count()} rivers, {Town.objects.count()} towns, {Village.objects.count()} villages."
        )
