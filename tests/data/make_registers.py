"""Writes the register fixtures in this folder (run once; the files are committed).

    .venv/bin/python tests/data/make_registers.py

Files as a district office really has them, placed along the rivers in gis_data/:
- 萧太后河潮白河风险清单.xlsx: an Excel risk list (风险清单) with a merged title row,
  a line of notes, Chinese headers, coordinates copied from Amap (GCJ-02),
  percentages as Excel formats them, a row given by chainage only, and three
  bad rows (an unknown kind, swapped coordinates, a point in Tianjin);
- 碍洪点_gbk_4548.zip: a zipped Shapefile in CGCS2000 / 3-degree Gauss-Kruger
  CM 117E (EPSG:4548) with GBK attributes and Chinese field names, as ArcGIS writes;
- google_earth.kml: placemarks drawn in Google Earth (folders, styles, ExtendedData);
- 水务局碍洪点.gpkg: a GeoPackage in CGCS2000 (EPSG:4490), English field names;
- broken/: one file per kind of bad row or bad file, for tests/test_imports_broken.py.
"""

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floodwatch.settings")
django.setup()

import openpyxl  # noqa: E402
from django.contrib.gis.geos import GEOSGeometry  # noqa: E402
from openpyxl.styles import Alignment, Font  # noqa: E402

from hazards import geo  # noqa: E402
from hazards.imports import coords  # noqa: E402

BROKEN = HERE / "broken"


def centerline(code):
    features = json.loads((HERE.parent.parent / "gis_data" / "rivers.geojson").read_text(encoding="utf-8"))["features"]
    feature = next(f for f in features if f["properties"]["code"] == code)
    return GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)


XTH, CBH = centerline("xiaotaihou"), centerline("chaobai")


def at(line, chainage, offset=15, bank="right"):
    """(lon, lat) in WGS84 at a chainage, rounded to 1 mm."""
    p = geo.point_at(line, chainage, offset_m=offset, bank=bank)
    return round(p.x, 8), round(p.y, 8)


def gcj(lonlat):
    lon, lat = coords.wgs84_to_gcj02([lonlat])[0]
    return round(float(lon), 6), round(float(lat), 6)


# (title, river, line, chainage, kind word, main channel, blockage, risk word, status word, unit, interim, note)
REGISTER = [
    ("铺外路涵管", "萧太后河", XTH, 5200, "涵管", "是", 0.35, "重大", "整改中", "台湖镇人民政府", "设置警示牌，汛期专人值守",
     "口子村段，管径小，行洪断面不足"),
    ("前营村高压塔", "萧太后河", XTH, 6100, "高压塔", "是", 0.2, "较大", "计划处置", "国网北京通州供电公司", "", "塔基位于主河槽"),
    ("台湖段彩钢房违建", "萧太后河", XTH, 3400, "违建", "否", 0.1, "一般", "未整改", "台湖镇城管执法队", "", ""),
    ("萧太后河右岸建筑垃圾", "萧太后河", XTH, 2300, "建筑垃圾", "否", 0.05, "低", "已整改", "台湖镇人民政府", "", "已清运"),
    ("马驹桥段阻水林木", "萧太后河", XTH, 6900, "阻水林木", "否", 0.08, "一般", "未整改", "区园林绿化局", "",
     "风险等级按去年台账"),
    ("萧太后河下游淤积", "萧太后河", XTH, 4800, "淤积", "否", 0.12, "一般", "整改中", "区水务局河道管理所", "", ""),
    ("鱼塘围堰", "萧太后河", XTH, 1200, "鱼塘", "否", 0.18, "较大", "未整改", "台湖镇农业服务中心", "汛前降低塘埂", ""),
    ("白庙段漫水桥桥墩", "潮白河", CBH, 9000, "桥墩", "是", 0.25, "较大", "整改中", "宋庄镇人民政府", "桥面设置限行", ""),
    ("师姑庄段阻水林木", "潮白河", CBH, 12500, "林木", "否", 0.05, "低", "未整改", "宋庄镇人民政府", "", ""),
    ("宋庄段违建大棚", "潮白河", CBH, 15000, "违建", "否", 0.15, "较大", "已确认", "宋庄镇城管执法队", "", ""),
]


def write_xlsx():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "风险清单"
    headers = ["序号", "编号", "碍洪点名称", "所在河道", "桩号", "经度", "纬度", "类型", "是否位于主河槽", "阻水比例",
               "风险等级", "处置状态", "责任单位", "临时度汛措施", "备注"]
    sheet.append(["通州区萧太后河、潮白河碍洪点风险清单（汛前排查）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["填报单位：通州区防汛办    坐标取自高德地图    填报日期：2026年4月15日"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    sheet.append(headers)
    number = 0
    for title, river, line, chainage, kind, main, blockage, risk, status, unit, interim, note in REGISTER:
        number += 1
        lon, lat = gcj(at(line, chainage))
        sheet.append([number, "", title, river, "", lon, lat, kind, main, blockage, risk, status, unit, interim, note])
    # Given by chainage only: the stake number painted on the embankment.
    number += 1
    sheet.append([number, "", "萧太后河K4+300处倒伏树木", "萧太后河", "K4+300", None, None, "林木", "否", 0.06, "低",
                  "未整改", "台湖镇人民政府", "", "按桩号定位"])
    bad = [
        ("张家湾段涵闸", XTH, 6800, "涵闸"),  # not a kind Floodwatch knows
        ("次渠段违建", XTH, 4000, "违建"),  # longitude and latitude swapped
        ("天津武清段涵管", None, None, "涵管"),  # copied from the neighbouring district's list
    ]
    for title, line, chainage, kind in bad:
        number += 1
        if line is None:
            lon, lat = 117.04, 39.38
        else:
            lon, lat = gcj(at(line, chainage))
        if title.startswith("次渠"):
            lon, lat = lat, lon
        sheet.append([number, "", title, "萧太后河", "", lon, lat, kind, "否", 0.1, "一般", "未整改", "", "", ""])
    for row in sheet.iter_rows(min_row=4, min_col=10, max_col=10):
        row[0].number_format = "0%"
    for column, width in zip("ABCDEFGHIJKLMNO", (6, 10, 24, 10, 9, 12, 12, 10, 8, 9, 9, 10, 22, 22, 26)):
        sheet.column_dimensions[column].width = width
    book.save(HERE / "萧太后河潮白河风险清单.xlsx")


def ogr2ogr(*args):
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)


def geojson_file(path, features, crs=None):
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def write_shapefile():
    features = []
    for n, (chainage, title, kind, main, blockage, status) in enumerate([
        (2800, "萧太后河左岸临时板房", "违建", "否", 12, "未整改"),
        (4600, "萧太后河淤积段", "淤积", "否", 20, "整改中"),
        (6500, "萧太后河倒伏杨树", "阻水林木", "是", 8, "未整改"),
    ], start=1):
        x, y = geo.metric_xy([at(XTH, chainage, offset=20, bank="left")])[0]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(x, 3), round(y, 3)]},
                         "properties": {"编号": f"TH2026-{n:03d}", "名称": title, "河道": "萧太后河", "类型": kind,
                                        "主河槽": main, "阻水比例": blockage, "状态": status,
                                        "责任单位": "台湖镇水务站"}})
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "points.geojson"
        geojson_file(source, features, crs="urn:ogc:def:crs:EPSG::4548")
        out = Path(tmp) / "shp"
        ogr2ogr("-f", "ESRI Shapefile", str(out), str(source), "-nln", "碍洪点", "-lco", "ENCODING=CP936")
        with zipfile.ZipFile(HERE / "碍洪点_gbk_4548.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(out.iterdir()):
                archive.write(part, f"碍洪点/{part.name}")


KML_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2" xmlns:kml="http://www.opengis.net/kml/2.2" xmlns:atom="http://www.w3.org/2005/Atom">
<Document>
	<name>潮白河碍洪点.kml</name>
	<StyleMap id="m_ylw-pushpin">
		<Pair><key>normal</key><styleUrl>#s_ylw-pushpin</styleUrl></Pair>
		<Pair><key>highlight</key><styleUrl>#s_ylw-pushpin_hl</styleUrl></Pair>
	</StyleMap>
	<Style id="s_ylw-pushpin">
		<IconStyle><scale>1.1</scale><Icon><href>http://maps.google.com/mapfiles/kml/pushpin/ylw-pushpin.png</href></Icon>
		<hotSpot x="20" y="2" xunits="pixels" yunits="pixels"/></IconStyle>
	</Style>
	<Style id="s_ylw-pushpin_hl">
		<IconStyle><scale>1.3</scale><Icon><href>http://maps.google.com/mapfiles/kml/pushpin/ylw-pushpin.png</href></Icon>
		<hotSpot x="20" y="2" xunits="pixels" yunits="pixels"/></IconStyle>
	</Style>
	<Folder>
		<name>潮白河碍洪点</name>
		<open>1</open>
"""
KML_PLACEMARK = """		<Placemark>
			<name>{name}</name>
			<description>{description}</description>
			<LookAt>
				<longitude>{lon}</longitude><latitude>{lat}</latitude><altitude>0</altitude><heading>0</heading>
				<tilt>0</tilt><range>800</range><gx:altitudeMode>relativeToSeaFloor</gx:altitudeMode>
			</LookAt>
			<styleUrl>#m_ylw-pushpin</styleUrl>
			<ExtendedData>
				<Data name="类型"><value>{kind}</value></Data>
				<Data name="阻水比例"><value>{blockage}</value></Data>
				<Data name="河道"><value>潮白河</value></Data>
			</ExtendedData>
			<Point><gx:drawOrder>1</gx:drawOrder><coordinates>{lon},{lat},0</coordinates></Point>
		</Placemark>
"""


def write_kml():
    parts = [KML_HEAD]
    for chainage, name, description, kind, blockage in [
        (8000, "白庙村东侧堆土", "巡河发现，约200方渣土", "渣土", 10),
        (11000, "潮白河主槽内废弃泵房", "主河槽内，已断电", "建筑物", 22),
        (17000, "宋庄段芦苇丛", "汛前需打草", "芦苇", 6),
    ]:
        lon, lat = at(CBH, chainage, offset=30)
        parts.append(KML_PLACEMARK.format(name=name, description=description, lon=lon, lat=lat, kind=kind,
                                          blockage=blockage))
    parts.append("\t</Folder>\n</Document>\n</kml>\n")
    (HERE / "google_earth.kml").write_text("".join(parts), encoding="utf-8")


def write_gpkg():
    features = []
    for n, (line, river, chainage, title, kind, status) in enumerate([
        (XTH, "xiaotaihou", 900, "Xiaotaihou inlet trash rack", "other", "reported"),
        (XTH, "xiaotaihou", 5600, "Kouzi village footbridge pier", "bridge_pier", "confirmed"),
        (CBH, "chaobai", 20000, "Chaobai sand-mining spoil heap", "sediment", "planned"),
    ], start=1):
        lon, lat = at(line, chainage, offset=40)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"code": f"SWJ-{n:03d}", "title": title, "river": river, "kind": kind,
                                        "in_main_channel": n == 2, "blockage_pct": 10.0 * n, "status": status,
                                        "responsible_unit": "通州区水务局"}})
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "points.geojson"
        geojson_file(source, features)
        target = HERE / "水务局碍洪点.gpkg"
        target.unlink(missing_ok=True)
        ogr2ogr("-f", "GPKG", str(target), str(source), "-nln", "hazards", "-a_srs", "EPSG:4490")


# Broken files ------------------------------------------------------------------------------------

CSV_HEADER = ["编号", "名称", "河道", "经度", "纬度", "类型", "是否主河槽", "阻水比例", "状态"]


def good_row(n, chainage=3000):
    lon, lat = at(XTH, chainage + 100 * n)
    return [f"BAD-{n:03d}", f"测试碍洪点{n}", "萧太后河", lon, lat, "涵管", "否", "10%", "未整改"]


def write_csv(name, rows, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    (BROKEN / name).write_bytes(out.getvalue().encode(encoding))


def write_broken():
    BROKEN.mkdir(exist_ok=True)
    # Row 3 (the second data row) of each file is the bad one; the others are good.
    def with_bad(bad):
        return [good_row(1), bad, good_row(3)]

    far_lon, far_lat = at(XTH, 4000, offset=1500)
    cases = {
        "outside_district.csv": ["BAD-002", "天津段涵管", "萧太后河", 117.30, 39.10, "涵管", "否", "10%", "未整改"],
        "too_far_from_river.csv": ["BAD-002", "远离河道的点", "萧太后河", far_lon, far_lat, "涵管", "否", "10%", "未整改"],
        "swapped_coordinates.csv": ["BAD-002", "经纬度写反", "萧太后河", *at(XTH, 4200)[::-1], "涵管", "否", "10%", "未整改"],
        "unknown_kind.csv": ["BAD-002", "未知类型", "萧太后河", *at(XTH, 4200), "水闸", "否", "10%", "未整改"],
        "unknown_status.csv": ["BAD-002", "未知状态", "萧太后河", *at(XTH, 4200), "涵管", "否", "10%", "搁置"],
        "unknown_river.csv": ["BAD-002", "未知河道", "凉水河", *at(XTH, 4200), "涵管", "否", "10%", "未整改"],
        "out_of_range.csv": ["BAD-002", "阻水比例超范围", "萧太后河", *at(XTH, 4200), "涵管", "否", "150%", "未整改"],
        "duplicate_codes.csv": ["BAD-001", "编号重复", "萧太后河", *at(XTH, 4200), "涵管", "否", "10%", "未整改"],
        "missing_coordinates.csv": ["BAD-002", "缺少坐标", "萧太后河", "", "", "涵管", "否", "10%", "未整改"],
    }
    for name, bad in cases.items():
        write_csv(name, with_bad(bad))
    # A CSV in GBK with one line broken (a byte that is neither GBK nor UTF-8).
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([CSV_HEADER, good_row(1), good_row(2), good_row(3)])
    lines = out.getvalue().encode("gbk").split(b"\r\n")
    lines[2] = lines[2].replace("测试".encode("gbk"), b"\xff\xfe\xff")
    (BROKEN / "bad_encoding.csv").write_bytes(b"\r\n".join(lines))
    # GeoJSON: a feature without geometry, and one whose polygon crosses itself.
    def feature(n, geometry):
        props = dict(zip(["code", "title", "river", "_lon", "_lat", "kind"], good_row(n)))
        props.pop("_lon"), props.pop("_lat")
        return {"type": "Feature", "geometry": geometry, "properties": props}

    point = lambda n: {"type": "Point", "coordinates": list(at(XTH, 3000 + 100 * n))}  # noqa: E731
    lon, lat = at(XTH, 3200)
    bowtie = {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.001, lat + 0.001], [lon + 0.001, lat],
                                                  [lon, lat + 0.001], [lon, lat]]]}
    geojson_file(BROKEN / "missing_geometry.geojson", [feature(1, point(1)), feature(2, None), feature(3, point(3))])
    geojson_file(BROKEN / "invalid_geometry.geojson", [feature(1, point(1)), feature(2, bowtie), feature(3, point(3))])
    geojson_file(BROKEN / "crs_names_a_file.geojson", [feature(1, point(1))], crs="/etc/passwd")
    # Archives: damaged, escaping their directory, holding another archive.
    good_zip = io.BytesIO()
    with zipfile.ZipFile(good_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(3):
            archive.writestr(f"layer.part{n}", os.urandom(2000))
    (BROKEN / "corrupt_archive.zip").write_bytes(good_zip.getvalue()[:-300])
    with zipfile.ZipFile(BROKEN / "zip_slip.zip", "w") as archive:
        archive.writestr("../../../../tmp/evil.shp", b"x" * 100)
        archive.writestr("layer.dbf", b"x" * 100)
    with zipfile.ZipFile(BROKEN / "nested_archive.zip", "w") as archive:
        archive.writestr("inner.zip", good_zip.getvalue())
    # KML that would make a parser or GDAL reach further than the file.
    (BROKEN / "entity_expansion.kml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&b;</name>'
        "<Point><coordinates>116.7,39.85,0</coordinates></Point></Placemark></Document></kml>\n", encoding="utf-8")
    (BROKEN / "network_link.kml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<NetworkLink><name>更多点位</name><Link><href>http://127.0.0.1:9/more.kml</href></Link></NetworkLink>"
        "</Document></kml>\n", encoding="utf-8")
    # Not a format we read; and a file that claims to be a spreadsheet but is not.
    (BROKEN / "unsupported_format.docx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    (BROKEN / "not_really.xlsx").write_bytes("编号,名称\nA,B\n".encode("utf-8"))
    # Many rows: tests lower MAX_IMPORT_ROWS below this file's 30 rows.
    write_csv("too_many_rows.csv", [good_row(n, chainage=500) for n in range(1, 31)])


if __name__ == "__main__":
    write_xlsx()
    write_shapefile()
    write_kml()
    write_gpkg()
    write_broken()
    print("Wrote", ", ".join(sorted(p.name for p in HERE.iterdir() if p.suffix in {".xlsx", ".zip", ".kml", ".gpkg"})))
