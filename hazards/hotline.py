"""The 12345 hotline (接诉即办): rules across citizen reports, hazards and work orders.

Likely duplicates, what the hotline is told (status notes, the agency
responsible), and the figures a 接诉即办 review asks for. The writes are in
services.py (citizen_report_*).
"""

import statistics
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.utils.translation import gettext as _

from . import geo
from .models import CitizenReport, Hazard, Town, Village


@dataclass(frozen=True)
class Duplicate:
    hazard: Hazard | None
    report: CitizenReport | None
    note: str


def _near(queryset, field, point, radius_m):
    """Rows of `queryset` whose `field` lies within radius_m of the point, nearest first, as (distance, row)."""
    margin = radius_m / 50_000  # degrees: more than radius_m in any direction at Beijing's latitude
    box = Polygon.from_bbox((point.x - margin, point.y - margin, point.x + margin, point.y + margin))
    box.srid = geo.WGS84
    rows = [(geo.distance_m(point, getattr(row, field)), row) for row in queryset.filter(**{f"{field}__within": box})]
    return sorted(((d, row) for d, row in rows if d <= radius_m), key=lambda pair: (pair[0], pair[1].pk))


def likely_duplicate(report):
    """An open hazard, or a report awaiting an inspector, that this report is likely about, and why.

    With a position: within CITIZEN_DUPLICATE_RADIUS_M (50 m) on the same river.
    With only an address: geocoding is not available offline, so the address
    text is matched against village and town names, and the open hazards of
    that village (or town) are the candidates; the note says so.
    """
    radius = settings.CITIZEN_DUPLICATE_RADIUS_M
    if report.location is not None:
        same_river = Q(river=report.river) if report.river_id else Q()
        hazards = _near(Hazard.objects.filter(same_river, status__in=Hazard.OPEN_STATUSES), "location", report.location, radius)
        if hazards:
            distance, hazard = hazards[0]
            return Duplicate(hazard, None, _("%(m)d m from open hazard %(code)s on the same river.")
                             % {"m": round(distance), "code": hazard.code})
        others = CitizenReport.objects.awaiting().filter(same_river).exclude(pk=report.pk)
        reports = _near(others, "location", report.location, radius)
        if reports:
            distance, other = reports[0]
            return Duplicate(None, other, _("%(m)d m from citizen report #%(id)d, still awaiting an inspector.")
                             % {"m": round(distance), "id": other.pk})
        return None
    return _duplicate_by_address(report)


def _duplicate_by_address(report):
    address = report.address_string.lower()
    if not address:
        return None
    for place in list(Village.objects.select_related("town")) + list(Town.objects.all()):
        names = [name for name in (place.name_zh, place.name_en) if name]
        if not any(name.lower() in address for name in names):
            continue
        where = Q(village=place) if isinstance(place, Village) else Q(town=place)
        hazard = Hazard.objects.filter(where, status__in=Hazard.OPEN_STATUSES).alias(
            rank=Hazard.risk_rank_expression()).order_by("-rank", "code").first()
        if hazard:
            return Duplicate(hazard, None, _(
                "The address names %(place)s, where open hazard %(code)s lies. Geocoding is not available offline: "
                "this match is by the place's name only, check it on the map.") % {"place": place.name, "code": hazard.code})
    return None


def agency_responsible(report):
    """Who handles it: the unit of the hazard's latest work order, the hazard's unit, or the flood-control office."""
    hazard = report.hazard
    if hazard is not None:
        order = hazard.work_orders.exclude(responsible_unit="").order_by("-updated_at").first()
        if order:
            return order.responsible_unit
        if hazard.responsible_unit:
            return hazard.responsible_unit
    return _("Tongzhou District Flood Control Office")


def status_notes(report):
    """What the hotline tells the caller: the decision, then the hazard's status and its works."""
    if report.status == CitizenReport.Status.REJECTED:
        return _("Not taken up: %(reason)s") % {"reason": report.reject_reason}
    if report.status == CitizenReport.Status.AWAITING:
        if report.assigned_to_id:
            return _("Received; an inspector is checking it.")
        return _("Received; awaiting an inspector.")
    hazard = report.hazard
    notes = [_("Recorded as flood-obstruction point %(code)s: %(status)s.")
             % {"code": hazard.code, "status": hazard.get_status_display()}]
    order = hazard.work_orders.order_by("-updated_at").first()
    if order is not None:
        notes.append(_("Works “%(title)s”: %(pct)d %%, %(status)s.")
                     % {"title": order.title, "pct": order.progress_pct, "status": order.get_status_display()})
        acceptance = getattr(order, "acceptance", None)
        if acceptance is not None and acceptance.note:
            notes.append(_("Site check: %(note)s") % {"note": acceptance.note})
    if hazard.status == Hazard.Status.MONITORING and hazard.interim_measure:
        notes.append(_("Interim measure: %(measure)s") % {"measure": hazard.interim_measure})
    return " ".join(notes)


@dataclass(frozen=True)
class Summary:
    count: int
    closed: int
    share_closed: float | None
    judged: int
    share_within_deadline: float | None
    median_days_to_closure: float | None
    median_hours_to_first_response: float | None
    overdue: int


def summary(queryset):
    """The figures of a 接诉即办 review: share within deadline, share closed, median days to closure.

    A report counts for "within deadline" once its outcome is known: every
    deadline met, or one missed (an open report still within its deadlines
    is not judged yet).
    """
    reports = list(queryset)
    closed = [r for r in reports if r.closed_at]
    judged = [r.met_deadlines() for r in reports]
    judged = [met for met in judged if met is not None]
    responses = [((r.assigned_at or r.answered_at) - r.received_at).total_seconds() / 3600
                 for r in reports if r.assigned_at or r.answered_at]
    return Summary(
        count=len(reports), closed=len(closed),
        share_closed=len(closed) / len(reports) if reports else None,
        judged=len(judged), share_within_deadline=sum(judged) / len(judged) if judged else None,
        median_days_to_closure=statistics.median((r.closed_at - r.received_at).total_seconds() / 86400 for r in closed)
        if closed else None,
        median_hours_to_first_response=statistics.median(responses) if responses else None,
        overdue=sum(1 for r in reports if r.is_overdue),
    )
