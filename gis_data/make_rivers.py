"""Rebuild rivers.geojson and villages_demo.geojson from the source files here.

Run once by hand (python gis_data/make_rivers.py); the app loads the output.
- Chaobai: the real WDB II line (chaobai_river.geojson), clipped to where it
  comes within about 2 km (0.02 degrees) of the district outline, so that
  chainage 0 is where the river reaches Tongzhou, not its source in Miyun.
- Xiaotaihou: no open source exists; the line is drawn by hand, APPROXIMATE.
- Villages: no open source gives their positions; the points are placed by
  hand near the right river and town, APPROXIMATE. Codes are real (NBS 2023).
"""

import json
from pathlib import Path

from shapely.geometry import LineString, mapping, shape

HERE = Path(__file__).parent

XIAOTAIHOU = [  # drawn by hand west (upstream) to east, through Taihu to Zhangjiawan
    (116.618, 39.8565), (116.625, 39.855), (116.640, 39.853), (116.655, 39.850),
    (116.670, 39.848), (116.685, 39.846), (116.700, 39.844),
]
VILLAGE_POINTS = {  # NBS code: (lon, lat), hand-placed
    "110112104206": (116.770, 39.935),  # Baimiao, by the Chaobai
    "110112104222": (116.758, 39.975),  # Shiguzhuang, by the Chaobai
    "110112114206": (116.640, 39.857),  # Kouzi, by the Xiaotaihou
    "110112114205": (116.657, 39.846),  # Qianying, by the Xiaotaihou
    "110112105244": (116.685, 39.851),  # Liuying
    "110112105228": (116.695, 39.839),  # Zaolinzhuang
    "110112105252": (116.705, 39.849),  # Houqingshan
}


def load(name):
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def rivers():
    district = shape(load("tongzhou_boundary.geojson")["features"][0]["geometry"])
    source = load("chaobai_river.geojson")["features"][0]
    chaobai = shape(source["geometry"]).intersection(district.buffer(0.02))
    chaobai = LineString([(round(x, 6), round(y, 6)) for x, y in chaobai.coords])
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": "chaobai", "code_prefix": "CBH", "name_zh": "潮白河", "name_en": "Chaobai River",
                    "approximate": False,
                    "source": "WDB II river line (real, about 1:3M, errors of several hundred metres), "
                    "clipped to the Tongzhou reach; see SOURCES.md",
                },
                "geometry": mapping(chaobai),
            },
            {
                "type": "Feature",
                "properties": {
                    "code": "xiaotaihou", "code_prefix": "XTH", "name_zh": "萧太后河", "name_en": "Xiaotaihou River",
                    "approximate": True,
                    "source": "APPROXIMATE: drawn by hand for demonstration, no open source found; not surveyed",
                },
                "geometry": mapping(LineString(XIAOTAIHOU)),
            },
        ],
    }


def villages():
    collection = load("villages.geojson")
    features = []
    for feature in collection["features"]:
        code = feature["properties"].get("nbs_code")
        if code not in VILLAGE_POINTS:
            continue  # 馒头村 has no NBS code and no known position
        props = dict(feature["properties"], coordinates_status="APPROXIMATE: placed by hand for demonstration")
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": list(VILLAGE_POINTS[code])}})
    return {"type": "FeatureCollection", "note": "Positions are approximate, placed by hand.", "features": features}


if __name__ == "__main__":
    for name, data in (("rivers.geojson", rivers()), ("villages_demo.geojson", villages())):
        (HERE / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("wrote", name)
