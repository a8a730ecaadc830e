"""The scale benchmark's JSON files side by side as one Markdown table, for the README:
`python -m bench.table var/bench/scale-postgis-100000.json var/bench/scale-spatialite-100000.json ...`."""

import json
import re
import sys

# Names as earlier runs wrote them, and as they are written now.
OLD_NAMES = [
    (r"^generate_hazards [\d,]+$", "generate_hazards N"),
    (r"^(/api/hazards/, [\d,]+ hazards) \(.*\)$", r"\1"),
    (r"^/api/hazards/\?bbox= returning [\d,]+ of [\d,]+$", "/api/hazards/?bbox= returning about 1,000"),
    (r"^(?:mvt|geojson) (tile, .*), cold \(median of \d+\)$", r"\1, cold (median)"),
    (r"^(?:mvt|geojson) (tile, .*)$", r"\1"),
    (r"^load: \d+ users for \d+ s, \d+ gunicorn workers: (.*)$", r"load: \1"),
    (r"^  load, 95th percentile: (.*) \(\d+\)$", r"  load, 95th percentile: \1"),
]


def normal(name):
    for pattern, replacement in OLD_NAMES:
        name = re.sub(pattern, replacement, name)
    return name


def main(paths):
    runs = [json.load(open(path, encoding="utf-8")) for path in paths]
    for run in runs:
        for row in run["rows"]:
            row["what"] = normal(row["what"])
    names = []
    for run in runs:
        for row in run["rows"]:
            if row["what"] not in names and not row["what"].startswith("  "):
                names.append(row["what"])
    print("| | " + " | ".join(f"{run['database']}, {run['hazards']:,}" for run in runs) + " | target |")
    print("|---" * (len(runs) + 2) + "|")
    for name in names:
        cells, target = [], ""
        for run in runs:
            row = next((r for r in run["rows"] if r["what"] == name), None)
            if row is None:
                cells.append("—")
                continue
            value = f"{row['value']:,.0f}" if row["value"] >= 100 else f"{row['value']:g}"
            cell = f"{value} {row['unit']}"
            if row["baseline"] is not None:
                cell += f" ({row['baseline']:,.0f} baseline)"
            if row["met"] is False:
                cell = f"**{cell}**"
            cells.append(cell)
            if row["target"] is not None:
                target = f"{row['target']:g} {row['unit']}"
        print(f"| {name} | " + " | ".join(cells) + f" | {target} |")


if __name__ == "__main__":
    main(sys.argv[1:])
