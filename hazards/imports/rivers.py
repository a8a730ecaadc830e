"""A surveyed centerline replaces a river's approximate one, and everything measured along it follows.

`plan_river` reads the line (any format the register import reads), orients
it upstream to downstream against the current line, and works out where each
hazard, reach (a work order from chainage A to B), patrol and village now
lies along it: how far each hazard's chainage moves, and which hazards end up
further than MAX_RIVER_DISTANCE_M from the new line. `apply_river` writes the
line and all of that in one transaction, and refuses while hazards would end
up too far unless that was confirmed.
"""

from dataclasses import dataclass, field

import numpy
from django.conf import settings
from django.contrib.gis.geos import LineString, MultiLineString
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from .. import geo
from ..models import Hazard, ImportRecord, Patrol, Village, WorkOrder, derive_places
from .files import FileRefused, opened
from .registers import READERS, sha256_of


@dataclass
class RiverPlan:
    river: object
    file_name: str
    file_sha256: str = ""
    line: LineString | None = None
    reversed: bool = False
    hazards: list = field(default_factory=list)  # [(hazard with new values, old chainage, old offset)]
    reaches: list = field(default_factory=list)  # [(order with new chainages, old start, old end)]
    patrols: list = field(default_factory=list)
    villages: list = field(default_factory=list)  # [(village, old chainage, new chainage, new offset)]
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def too_far(self):
        return [h for h, _old, _offset in self.hazards if h.offset_m > settings.MAX_RIVER_DISTANCE_M]

    def as_report(self):
        moves = sorted(((h.code, old, h.chainage_m, h.offset_m) for h, old, _o in self.hazards),
                       key=lambda m: -abs(m[2] - m[1]))
        return {
            "file": self.file_name, "river": self.river.code, "sha256": self.file_sha256,
            "reversed": self.reversed, "problems": self.problems, "warnings": self.warnings,
            "old_length_m": round(self.river.length_m, 1),
            "new_length_m": round(geo.length_m(self.line), 1) if self.line else None,
            "hazards": [{"code": code, "old_chainage": geo.format_chainage(old), "new_chainage":
                         geo.format_chainage(new), "moved_m": round(new - old, 1), "offset_m": round(offset, 1)}
                        for code, old, new, offset in moves],
            "too_far": [h.code for h in self.too_far],
            "reaches": [{"order": o.pk, "old": geo.format_reach(a, b),
                         "new": geo.format_reach(o.start_chainage_m, o.end_chainage_m)} for o, a, b in self.reaches],
            "patrols": len(self.patrols),
            "villages": [{"village": v.name_zh, "old_chainage": geo.format_chainage(old),
                          "new_chainage": geo.format_chainage(new), "offset_m": round(offset, 1)}
                         for v, old, new, offset in self.villages],
        }


def plan_river(source, river, *, name=None, srid=None):
    """Read a centerline file and work out what moves; nothing is written."""
    plan = RiverPlan(river=river, file_name=str(name or getattr(source, "name", source)))
    try:
        with opened(source, name) as upload:
            plan.file_name, plan.file_sha256 = upload.name, sha256_of(upload.path)
            table = READERS[upload.format](upload)
            plan.line = _line_of(table, srid or table.srid or geo.WGS84, upload.name)
    except (FileRefused, ValidationError) as error:
        plan.problems.append(" ".join(error.messages))
        return plan
    if table.srid is None and srid is None:
        plan.warnings.append(_("The file does not say its coordinate system: read as WGS 84 (longitude, latitude)."))
    outside = geo.vertices_outside_district(plan.line)
    if len(outside) > len(plan.line.coords) / 2:
        plan.problems.append(_("Most of the line lies outside Tongzhou district: is this the right file and "
                               "coordinate system?"))
        return plan
    plan.line, plan.reversed = _oriented(plan.line, river.centerline)
    _follow(plan)
    return plan


def _line_of(table, srid, name):
    """The one line in a file, in WGS 84: parts that join end to end are merged."""
    lines = [row.geometry for row in table.rows if row.geometry is not None and "LineString" in row.geometry.geom_type]
    parts = [part for line in lines for part in (line if line.geom_type == "MultiLineString" else [line])]
    if not parts:
        raise FileRefused(_("%(name)s holds no line.") % {"name": name})
    merged = MultiLineString(*[LineString(p.coords) for p in parts]).merged if len(parts) > 1 else parts[0]
    if merged.geom_type != "LineString":
        raise FileRefused(_("%(name)s holds %(count)s separate lines; a centerline is one line from upstream to "
                            "downstream.") % {"name": name, "count": len(merged)})
    coords = numpy.array(merged.coords)[:, :2]
    lonlat = geo.transform_xy(coords, srid, geo.WGS84) if srid != geo.WGS84 else coords
    return LineString([tuple(p) for p in lonlat], srid=geo.WGS84)


def _oriented(line, current):
    """The line drawn upstream to downstream, judged by where its ends fall along the current line."""
    xy = geo.metric_xy([line.coords[0], line.coords[-1]])
    start, end = geo.locate_xy(current, xy)[0]
    if start > end:
        return LineString(list(reversed(line.coords)), srid=geo.WGS84), True
    return line, False


def _follow(plan):
    """Where hazards, reaches, patrols and villages lie along the new line."""
    river, old_line, new_line = plan.river, plan.river.centerline, plan.line
    hazards = list(Hazard.objects.filter(river=river))
    for hazard in hazards:
        hazard.river = river
    old = [(h.chainage_m, h.offset_m) for h in hazards]
    river.centerline = new_line  # in memory only, so that derive_places measures along the new line
    try:
        if hazards:
            derive_places(hazards)
        plan.hazards = [(h, chainage, offset) for h, (chainage, offset) in zip(hazards, old)]
        for order in WorkOrder.objects.filter(river=river, hazard=None):
            a, b = order.start_chainage_m, order.end_chainage_m
            ends = [geo.point_at(old_line, c) for c in (a, b)]
            chainages = geo.locate_xy(new_line, geo.metric_xy([(p.x, p.y) for p in ends]))[0]
            order.start_chainage_m, order.end_chainage_m = (round(float(c), 1) for c in chainages)
            plan.reaches.append((order, a, b))
        plan.patrols = list(Patrol.objects.filter(river=river))
        for village in Village.objects.exclude(geom=None):
            point = village.geom if village.geom.geom_type == "Point" else village.geom.point_on_surface
            before, after = geo.locate(old_line, point), geo.locate(new_line, point)
            if min(before.offset_m, after.offset_m) <= settings.READINESS_RIVER_DISTANCE_M:
                plan.villages.append((village, before.chainage_m, after.chainage_m, after.offset_m))
    finally:
        river.centerline = old_line


def apply_river(plan, *, user, source_note, approximate=False, confirm_far=False):
    """Write the new line and everything measured along it, in one transaction."""
    if plan.problems:
        raise ValidationError(plan.problems)
    if plan.too_far and not confirm_far:
        raise ValidationError(_("%(count)s hazards would lie more than %(limit)s m from the new line (%(codes)s). "
                                "Check the line, or confirm to import it all the same.") % {
            "count": len(plan.too_far), "limit": settings.MAX_RIVER_DISTANCE_M,
            "codes": ", ".join(h.code for h in plan.too_far[:10])})
    river = plan.river
    with transaction.atomic():
        record = ImportRecord.objects.create(
            kind=ImportRecord.Kind.RIVER, file_name=plan.file_name[:255], file_format="", river=river,
            file_sha256=plan.file_sha256, imported_by=user, updated_count=len(plan.hazards), report=plan.as_report(),
        )
        river.centerline, river.approximate, river.source_note = plan.line, approximate, source_note
        river.save(update_fields=["centerline", "approximate", "source_note"])
        river.__dict__.pop("length_m", None)
        reason = _("River line replaced (import #%(pk)s)") % {"pk": record.pk}
        bulk_update_with_history([h for h, _c, _o in plan.hazards], Hazard,
                                 fields=["chainage_m", "offset_m", "bank"], batch_size=1000, default_user=user,
                                 default_change_reason=reason[:100])
        orders = [order for order, _a, _b in plan.reaches]
        for order in orders:
            order.version += 1  # a change like any other: an edit made against the old chainages is refused
        bulk_update_with_history(orders, WorkOrder, fields=["start_chainage_m", "end_chainage_m", "version"],
                                 default_user=user, default_change_reason=reason[:100])
        for patrol in plan.patrols:
            patrol.river = river
            patrol.save()
    return record
