"""Column and value mapping: which column of a register holds what, and what its words mean.

Headers are matched after normalising (case, spaces, underscores and a unit
in brackets dropped: "阻水比例（%）" reads as "阻水比例"). For each field the
best header wins: our own field name (as in our GeoJSON, GeoPackage and
Shapefile exports), then the labels of our CSV and XLSX exports in Chinese and
English, then the words offices use. Values are matched the same way: codes,
labels in both languages, and common synonyms (重大/红 → major, 涵管 → culvert).
"""

import re
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..exports import SHAPEFILE_NAMES
from ..models import Hazard, River

# field: (label, what offices write); our Shapefiles' short names come from exports.SHAPEFILE_NAMES
FIELDS = {
    "code": (_("Code"), "编号 代码 碍洪点编号 隐患编号 点位编号 风险点编号"),
    "title": (_("Title"), "名称 碍洪点名称 隐患名称 点位名称 风险点名称 障碍物名称 name"),
    "river": (_("River"), "河道 河流 河道名称 河流名称 所在河道 所属河道 河名"),
    "chainage": (_("Chainage"), "桩号 里程 里程桩号 位置桩号 chainage_m"),
    "longitude": (_("Longitude"), "经度 东经 lon lng long x x坐标 东坐标 横坐标 easting"),
    "latitude": (_("Latitude"), "纬度 北纬 lat y y坐标 北坐标 纵坐标 northing"),
    "kind": (_("Kind"), "类型 类别 碍洪类型 障碍物类型 隐患类型 风险点类型 type"),
    "in_main_channel": (_("In the main channel"), "是否主河槽 是否在主河槽 是否位于主河槽 位于主河槽 主河槽 "
                        "是否在河道主流区 main_channel"),
    "blockage_pct": (_("Blocked (%)"), "阻水比例 阻水率 阻水比 阻水面积比 阻水面积比例 占行洪断面比例 blockage "
                     "blocked"),
    "risk_level": (_("Risk level"), "风险等级 风险级别 等级 风险 risk"),
    "risk_override": (_("Manual risk level"), "人工风险等级 人工定级"),
    "risk_override_reason": (_("Reason for the manual risk level"), "定级理由 人工定级理由 风险等级说明"),
    "status": (_("Status"), "状态 处置状态 整改状态 处理状态 进展"),
    "responsible_unit": (_("Responsible unit"), "责任单位 责任部门 管理单位 主管单位"),
    "description": (_("Description"), "描述 问题描述 情况说明 基本情况 存在问题 说明 备注"),
    "interim_measure": (_("Interim measure"), "临时度汛措施 应急度汛措施 度汛措施 临时措施"),
}
UNIT = re.compile(r"[(（\[【].*?[)）\]】]")
SPACE = re.compile(r"[\s_\-:：*·.。/、]+")


def normalise(text):
    """Text as compared for matching: lower case, no brackets with units, no spaces or punctuation."""
    text = str(text).strip().lower()
    return SPACE.sub("", UNIT.sub("", text)) or SPACE.sub("", text)


def _in_both_languages(label):
    names = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            names.add(normalise(str(label)))
    return names


@lru_cache(maxsize=1)
def _header_names():
    """{normalised header: (field, rank)}; rank 0 is our own field name, 1 our labels, 2 office words."""
    names = {}
    for field, (label, words) in FIELDS.items():
        for name, rank in [(field, 0), (SHAPEFILE_NAMES.get(field, ""), 0)] + [(n, 1) for n in _in_both_languages(label)] + [
            (w, 2) for w in words.split()
        ]:
            key = normalise(name) if name else ""
            if key and (key not in names or names[key][1] > rank):
                names[key] = (field, rank)
    return names


def match_header(header):
    """The field a header names, or None."""
    found = _header_names().get(normalise(header)) if str(header).strip() else None
    return found[0] if found else None


def auto_mapping(headers):
    """{header: field} for the headers that name a field; for each field the best-ranked header, then the first."""
    best = {}
    for position, header in enumerate(headers):
        found = _header_names().get(normalise(header)) if str(header).strip() else None
        if found and (found[0] not in best or best[found[0]][0] > (found[1], position)):
            best[found[0]] = ((found[1], position), header)
    return {header: field for field, (_rank, header) in best.items()}


def field_choices():
    return [(field, label) for field, (label, _words) in FIELDS.items()]


# Values ------------------------------------------------------------------------------------------

KIND_WORDS = {
    "culvert": "涵管 涵洞 管涵 箱涵 过路涵 涵",
    "bridge_pier": "桥墩 桥梁 桥 漫水桥 便桥 pier bridge",
    "pylon": "高压塔 电塔 线塔 铁塔 杆塔 电线杆 电杆 塔基 tower",
    "building": "违建 违法建设 违章建筑 建筑 建筑物 构筑物 房屋 structure",
    "debris": "垃圾 渣土 堆积物 杂物 弃土 建筑垃圾 堆土",
    "vegetation": "林木 树木 阻水林木 植被 杂草 芦苇 树 trees",
    "sediment": "淤积 淤泥 泥沙 清淤",
    "fish_pond": "鱼塘 养殖 农田 耕地 种植 围堰 pond farmland",
    "other": "其他 其它",
}
RISK_WORDS = {
    "major": "重大 重大风险 红 红色 red",
    "high": "较大 较大风险 橙 橙色 orange",
    "moderate": "一般 一般风险 黄 黄色 yellow",
    "low": "低 低风险 较低 蓝 蓝色 blue",
}
STATUS_WORDS = {
    "reported": "上报 已上报 新发现 待核实 未处置 未整改",
    "confirmed": "已确认 确认 已核实 核实",
    "planned": "计划 已计划 计划处置 待整改 拟整改",
    "in_progress": "整改中 处置中 施工中 正在整改 进行中 实施中",
    "cleared": "已清除 已整改 已完成 已处置 完成 清除 已消除",
    "closed": "已销号 销号 关闭 已关闭",
    "monitoring": "监测 监控 观察 持续监测 临时度汛",
}
YES = "是 有 在 yes y true 1 √ ✓ ✔ 位于"
NO = "否 无 不在 no n false 0 × ✗ ✘ 不是"


@lru_cache(maxsize=1)
def value_maps():
    """{field: {normalised word: value}} for the fields whose values come from a list."""
    maps = {}
    for field, choices, words in (
        ("kind", Hazard.Kind.choices, KIND_WORDS),
        ("risk_level", Hazard.RiskLevel.choices, RISK_WORDS),
        ("status", Hazard.Status.choices, STATUS_WORDS),
    ):
        table = {}
        for value, label in choices:
            for word in [value, *_in_both_languages(label), *words.get(value, "").split()]:
                table.setdefault(normalise(word), value)
        maps[field] = table
    maps["risk_override"] = maps["risk_level"]
    maps["in_main_channel"] = {
        **{normalise(w): True for w in YES.split()}, **{normalise(w): False for w in NO.split()},
        **{n: v for v in (True, False) for n in _in_both_languages(_("yes") if v else _("no"))},
    }
    return maps


def river_map():
    """{normalised name: river} for every way a river may be named: code, prefix, Chinese and English names."""
    table = {}
    for river in River.objects.all():
        for name in (river.code, river.code_prefix, river.name_zh, river.name_en, river.name_zh.removesuffix("河"),
                     river.name_en.lower().removesuffix(" river")):
            if name:
                table.setdefault(normalise(name), river)
    return table
