"""Which hazards a risk list holds, in driving order, with what each stop shows.

The same selection feeds the PDF and the CSV. It takes the filters of the map
and the API (hazards.filters.HazardFilter, same names), a saved tour
(`tour=<id>`), or stops picked on the map (`code=XTH-001&code=XTH-004`).
Everything a stop shows is fetched in a fixed number of queries, whatever the
number of stops.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.forms import ModelChoiceField
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .. import season
from ..filters import HazardFilter, filter_errors
from ..models import DRIVING_ORDER, Hazard, HazardPhoto, ProgressUpdate, River, WorkOrder
from ..readiness import villages_at_risk_from


def joined(names):
    """Names as a list in running text: 潮白河、萧太后河 in Chinese, "Chaobai River, Xiaotaihou River" in English."""
    return pgettext("list separator", ", ").join(str(name) for name in names)


class SelectionError(ValueError):
    """The request names filters that do not make sense; `errors` maps each name to a message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class SelectionTooLarge(Exception):
    """More stops than one request may render: `count` of at most `limit`."""

    def __init__(self, count, limit):
        super().__init__(f"{count} stops, at most {limit}")
        self.count, self.limit = count, limit


@dataclass
class Stop:
    """One hazard on the list, numbered in driving order."""

    number: int
    hazard: Hazard
    order: WorkOrder | None  # the clearance order the stop reports on
    note: ProgressUpdate | None  # the latest progress note on any of its orders
    photo: HazardPhoto | None  # the latest photo of the hazard
    overdue: bool
    villages_at_risk: list = ()  # [(readiness, metres downstream)], nearest first
    qr_url: str = ""  # where the PDF finds the stop's QR code (set by the renderer)

    @property
    def url(self):
        """The hazard's page, absolute: the QR code opens it on a phone at the point."""
        return settings.SITE_URL + self.hazard.get_absolute_url()

    @property
    def responsible_unit(self):
        return (self.order and self.order.responsible_unit) or self.hazard.responsible_unit

    @property
    def responsible_people(self):
        if not self.order:
            return ""
        return joined(user.get_full_name() or user.username for user in self.order.engineers.all())


@dataclass
class Selection:
    stops: list
    filters: list = field(default_factory=list)  # (label, value) pairs, as a person reads them
    tour: object = None
    rivers: list = field(default_factory=list)
    generated_at: object = None

    @property
    def title(self):
        return _("%(rivers)s flood risk list") % {"rivers": joined(river.name for river in self.rivers)}

    def counts_by_risk(self):
        """[(level, label, colour, count)] for all four levels, highest first."""
        counts = {level: 0 for level in Hazard.RISK_RANK}
        for stop in self.stops:
            counts[stop.hazard.risk_level] += 1
        return [
            (level, label, Hazard.RISK_COLOURS[level], counts[level]) for level, label in Hazard.RiskLevel.choices
        ]

    def counts_by_status(self):
        """[(label, count)] for the statuses present, in the register's order."""
        counts = {}
        for stop in self.stops:
            counts[stop.hazard.status] = counts.get(stop.hazard.status, 0) + 1
        return [(label, counts[status]) for status, label in Hazard.Status.choices if status in counts]

    @property
    def overdue_count(self):
        return sum(stop.overdue for stop in self.stops)

    @property
    def days_to_flood_season(self):
        return season.days_to_flood_season(timezone.localdate(self.generated_at))


def stop_queryset(queryset):
    """Hazards in driving order with their river, place, latest photo, orders, engineers and latest note."""
    latest_photo = HazardPhoto.objects.order_by("-created_at", "-id")[:1]
    latest_note = ProgressUpdate.objects.exclude(note="").order_by("-created_at", "-id")[:1]
    orders = WorkOrder.objects.order_by("deadline", "id").prefetch_related(
        "engineers", Prefetch("updates", queryset=latest_note, to_attr="latest_notes")
    )
    return queryset.select_related("river", "town", "village").order_by(*DRIVING_ORDER).prefetch_related(
        Prefetch("photos", queryset=latest_photo, to_attr="latest_photos"),
        Prefetch("work_orders", queryset=orders, to_attr="orders"),
    )


def clearance_order(orders):
    """The order a stop reports on: the open one due first, else the last accepted one."""
    open_orders = [order for order in orders if order.is_open]
    if open_orders:
        return open_orders[0]
    return orders[-1] if orders else None


def make_stop(number, hazard):
    notes = [update for order in hazard.orders for update in order.latest_notes]
    return Stop(
        number=number,
        hazard=hazard,
        order=clearance_order(hazard.orders),
        note=max(notes, key=lambda update: (update.created_at, update.id), default=None),
        photo=hazard.latest_photos[0] if hazard.latest_photos else None,
        overdue=any(order.is_overdue for order in hazard.orders),
    )


def select(params, *, tour=None, max_stops=None):
    """The selection the request asks for. Raises SelectionError for filters that make no sense,
    and SelectionTooLarge for more than `max_stops` stops.

    `params` are the query parameters (a QueryDict); `tour` is a Tour the
    caller has already fetched for this user, or None.
    """
    filterset, codes = _filtered(params, tour)
    stops_wanted = stop_queryset(filterset.qs)
    hazards = list(stops_wanted if max_stops is None else stops_wanted[:max_stops + 1])
    if max_stops is not None and len(hazards) > max_stops:
        raise SelectionTooLarge(filterset.qs.count(), max_stops)
    stops = [make_stop(number, hazard) for number, hazard in enumerate(hazards, start=1)]
    at_risk = villages_at_risk_from(hazards)
    for stop in stops:
        stop.villages_at_risk = at_risk[stop.hazard.pk]
    return Selection(
        stops=stops,
        filters=describe_filters(filterset, tour=tour, codes=codes),
        tour=tour,
        rivers=rivers_of(stops, filterset),
        generated_at=timezone.now(),
    )


def _filtered(params, tour):
    base = tour.hazards.all() if tour else Hazard.objects.all()
    codes = params.getlist("code")
    if codes:
        base = base.filter(code__in=codes)
    filterset = HazardFilter(params, queryset=base)
    if not filterset.is_valid():
        raise SelectionError(filter_errors(filterset))
    return filterset, codes


def count(params, *, tour=None):
    """How many stops select() would give, in one query; raises SelectionError as select() does."""
    return _filtered(params, tour)[0].qs.count()


def rivers_of(stops, filterset):
    """The rivers in the title: those of the stops, else those filtered for, else all."""
    seen = {}
    for stop in stops:
        seen.setdefault(stop.hazard.river_id, stop.hazard.river)
    if seen:
        return list(seen.values())
    return list(filterset.form.cleaned_data.get("river") or River.objects.all())


def describe_filters(filterset, *, tour=None, codes=()):
    """The filters in force as (label, value) pairs, in the words of the filter form."""
    described = []
    if tour:
        described.append((_("Inspection tour"), tour.name))
    if codes:
        described.append((_("Chosen stops"), _("%(n)s picked on the map") % {"n": len(codes)}))
    for name, value in filterset.form.cleaned_data.items():
        field = filterset.form.fields[name]
        if name == "bbox":
            text = filterset.data.get(name, "")
        elif value is None or value == "":
            continue
        elif isinstance(value, bool):
            text = _("yes") if value else _("no")
        else:
            # Rivers and towns are model instances that name themselves; other choices carry labels.
            labels = {} if isinstance(field, ModelChoiceField) else {key: str(label) for key, label in field.choices}
            text = joined(labels.get(item, item) for item in ([value] if isinstance(value, str) else value))
        if text:
            described.append((str(field.label), text))
    return described
