"""The overview map of a risk list, drawn from our own data as SVG: no tiles, no network.

The district outline, town areas where we have them, the rivers (dashed where
the line is approximate), villages, and the stops as numbered circles in
their risk colour. Geometry is taken to metres by hazards.geo and clipped to
the map's extent here, so the SVG holds only what is seen.
"""

import math

import shapely
from django.contrib.gis.geos import MultiPoint
from django.utils.html import escape
from django.utils.translation import gettext as _

from .. import geo
from ..models import Hazard, River, Town, Village
from . import fonts

WIDTH, HEIGHT = 1000, 760
MIN_EXTENT_M = 4000
PADDING = 0.12
NUMBERED_UP_TO = 150  # more stops than this are drawn as dots: their numbers would only overlap
# SVG properties live inside the SVG: the page's stylesheet does not reach them.
STYLE = """
.land { fill: #f7f5ef; }
.district { fill: #eef2e6; stroke: #7a8a6a; stroke-width: 2; stroke-dasharray: 10 4 2 4; }
.town { fill: none; stroke: #b0b8a0; stroke-width: 1; }
.river { fill: none; stroke: #4a90d9; stroke-width: 5; stroke-linecap: round; stroke-linejoin: round; }
.river.approximate { stroke-dasharray: 14 8; }
.village { fill: #6b7785; }
text { font-size: 15px; font-family: "%(family)s", "%(fallback)s"; }
.river-name { fill: #1f5fa8; font-size: 18px; font-weight: bold; }
.village-name { fill: #4a5561; font-size: 13px; }
.stop { stroke: #222; stroke-width: 1.5; }
.stop-number { fill: #fff; font-size: 13px; font-weight: bold; text-anchor: middle; }
.stop-number.moderate { fill: #222; }
.plate { fill: #fff; fill-opacity: 0.85; }
.scale { fill: none; stroke: #222; stroke-width: 2; }
.scale-label, .north-label { fill: #222; font-size: 13px; }
.north { fill: #222; }
.frame { fill: none; stroke: #9aa5b1; stroke-width: 1.5; }
.halo { stroke: #fff; stroke-width: 4; fill: #fff; }
"""


class Frame:
    """Metres to SVG units, for an extent fitted into the map with a margin."""

    def __init__(self, bounds):
        minx, miny, maxx, maxy = bounds
        width = max(maxx - minx, MIN_EXTENT_M) * (1 + 2 * PADDING)
        height = max(maxy - miny, MIN_EXTENT_M) * (1 + 2 * PADDING)
        self.cx, self.cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.scale = min(WIDTH / width, HEIGHT / height)
        half_w, half_h = WIDTH / 2 / self.scale, HEIGHT / 2 / self.scale
        self.box = shapely.box(self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h)

    def xy(self, x, y):
        return WIDTH / 2 + (x - self.cx) * self.scale, HEIGHT / 2 - (y - self.cy) * self.scale

    def path(self, shape):
        """An SVG path for the part of a line or polygon inside the map."""
        shape = shape.intersection(self.box)
        rings = []
        for part in getattr(shape, "geoms", [shape]):
            if part.is_empty:
                continue
            if part.geom_type == "Polygon":
                for ring in [part.exterior, *part.interiors]:
                    rings.append(self._line(ring.coords) + "Z")
            elif part.geom_type == "LineString":
                rings.append(self._line(part.coords))
        return "".join(rings)

    def _line(self, coords):
        points = [self.xy(x, y) for x, y in coords]
        return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points)


def nice_length(metres):
    """The largest of 1, 2 or 5 times a power of ten not above metres."""
    power = 10 ** math.floor(math.log10(metres))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def _text(x, y, label, css_class, anchor="middle"):
    """A label with a white halo, so it reads over lines."""
    label = escape(label)
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css_class} halo">{label}</text>'
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css_class}">{label}</text>'
    )


def stop_points(stops):
    """The stops' locations in metres, in one transformation."""
    if not stops:
        return []
    points = MultiPoint([stop.hazard.location for stop in stops], srid=geo.WGS84)
    return list(geo.to_metric(points).geoms)


def overview_svg(stops):
    """The overview map of these stops as an SVG element (a string safe to put in HTML)."""
    points = stop_points(stops)
    frame = Frame(shapely.MultiPoint(points).bounds if points else geo.district_outline().bounds)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="overview-map">',
        "<style>" + STYLE % {"family": fonts.FAMILY, "fallback": fonts.FALLBACK_FAMILY} + "</style>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" class="land"/>',
        f'<path d="{frame.path(geo.district_outline())}" class="district"/>',
    ]
    spots = [frame.xy(p.x, p.y) for p in points]
    parts += _towns(frame) + _rivers(frame, spots) + _villages(frame, spots) + _stops(frame, stops, spots)
    parts += _scale_bar(frame) + _north_arrow()
    parts.append(f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" class="frame"/></svg>')
    return "".join(parts)


def _towns(frame):
    return [f'<path d="{d}" class="town"/>' for town in Town.objects.exclude(geom=None) if (d := frame.path(geo.to_metric(town.geom)))]


def _clearance(x, y, spots):
    """How far (in SVG units) a label at x, y would be from the nearest stop."""
    return min((math.hypot(x - sx, y - sy) for sx, sy in spots), default=math.inf)


def _rivers(frame, spots):
    parts, labels = [], []
    for river in River.objects.all():
        line = geo.metric_line(river.centerline)
        d = frame.path(line)
        if not d:
            continue
        parts.append(f'<path d="{d}" class="river{" approximate" if river.approximate else ""}"/>')
        seen = line.intersection(frame.box)
        longest = max(getattr(seen, "geoms", [seen]), key=lambda part: part.length)
        # The name goes where it hides no stop: the point of the line farthest from all of them.
        candidates = [frame.xy(*longest.interpolate(f / 20, normalized=True).coords[0]) for f in range(1, 20)]
        inside = [(x, y) for x, y in candidates if x < WIDTH - 110 and y > 40] or candidates
        x, y = max(inside, key=lambda xy: _clearance(xy[0] + 40, xy[1] - 12, spots))
        labels.append(_text(x + 14, y - 12, river.name, "river-name", anchor="start"))
    return parts + labels


def _villages(frame, spots):
    parts = []
    for village in Village.objects.exclude(geom=None):
        spot = geo.to_metric(village.geom).centroid
        if not frame.box.contains(spot):
            continue
        x, y = frame.xy(spot.x, spot.y)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="village"/>')
        if _clearance(x + 25, y, spots) > 30:  # a name under a stop's circle would only be noise
            parts.append(_text(x + 7, y + 4, village.name, "village-name", anchor="start"))
    return parts


def _stops(frame, stops, spots):
    numbered = len(stops) <= NUMBERED_UP_TO
    radius = 12 if numbered else 5
    parts = []
    for stop, (x, y) in zip(stops, spots):
        level = stop.hazard.risk_level
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{Hazard.RISK_COLOURS[level]}" class="stop"/>'
        )
        if numbered:
            parts.append(f'<text x="{x:.1f}" y="{y + 5:.1f}" class="stop-number {level}">{stop.number}</text>')
    return parts


def _scale_bar(frame):
    metres = nice_length(WIDTH / 5 / frame.scale)
    length = metres * frame.scale
    x, y = 24, HEIGHT - 26
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return [
        f'<rect x="{x - 8}" y="{y - 26}" width="{length + 16:.1f}" height="40" class="plate"/>',
        f'<path d="M{x} {y - 6}V{y}H{x + length:.1f}V{y - 6}" class="scale"/>',
        _text(x + length / 2, y - 10, label, "scale-label"),
    ]


def _north_arrow():
    x, y = WIDTH - 40, 30
    return [
        f'<path d="M{x} {y - 18}L{x + 10} {y + 12}L{x} {y + 5}L{x - 10} {y + 12}Z" class="north"/>',
        _text(x, y + 32, _("N"), "north-label"),
    ]
