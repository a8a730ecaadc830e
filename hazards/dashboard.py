"""The leaders' dashboard (/dashboard/, and its one-page PDF): are we ready for the flood season, and where not?

Every figure carries the URL of the list behind it, with the filters set, so that a number can always be
checked against its rows (tests/test_dashboard.py follows each link and counts). The figures are read in a
fixed number of queries, however many hazards, orders and villages there are.

The rules written here (the others are borrowed from the modules that own them):
- Clearance progress of a river: the share of its hazards cleared (closed ones, found not to be obstructions,
  left out), and a weighted progress: each hazard counts by its risk (red 4, orange 3, yellow 2, blue 1) with
  100 % when cleared, else the progress of its furthest live works order (0 without one).
- Clearance progress of a responsible unit: the share of its live works orders (suspended ones left out)
  accepted, and their progress weighted the same way by their hazard's risk (a reach counts as yellow).
- The burn-down: hazards open at the end of each day, from django-simple-history, against the pace that
  clears the open ones by the start of the flood season.
- Depots near open red hazards: the nearest depot of each (response.Resources), their stocks summed by item.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from . import hotline, readiness, response, season
from .models import CallOut, CitizenReport, Declaration, DepotItem, Hazard, River, WorkOrder

RISK_WEIGHT = Hazard.RISK_RANK  # red 4, orange 3, yellow 2, blue 1
REACH_WEIGHT = RISK_WEIGHT["moderate"]
DUE_SOON_DAYS = 7
LATEST_CHANGES = 8
BURN_DOWN_MIN_DAYS = 84  # at least twelve weeks of history on the chart


def link(name, **params):
    """The URL of a list with its filters set (a list value repeats the parameter)."""
    url = reverse(f"hazards:{name}")
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


@dataclass
class Figure:
    """A number on the dashboard and the list behind it. `count`: the list shows this many rows."""

    value: object
    url: str
    label: str = ""
    count: bool = True


# Hazards: counts by river, risk and status; progress per river -------------------------------------------

NOT_CLOSED = sorted(set(Hazard.Status.values) - {Hazard.Status.CLOSED})


def _hazard_groups():
    """(river, risk level, status, hazards, summed progress) in one query: each hazard's progress is 100 when
    cleared, else its furthest live order's, else 0 (the module's rule)."""
    furthest = (WorkOrder.objects.live().filter(hazard=OuterRef("pk")).order_by().values("hazard")
                .annotate(p=Max("progress_pct")).values("p"))
    progress = Case(When(status=Hazard.Status.CLEARED, then=Value(100)),
                       default=Coalesce(Subquery(furthest, output_field=IntegerField()), Value(0)))
    return list(Hazard.objects.order_by().values_list("river", "risk_level", "status").annotate(
        n=Count("id"), p=Sum(progress, output_field=IntegerField())))


@dataclass
class Progress:
    """Clearance progress of a river or a unit."""

    name: str
    total: Figure
    done: Figure
    weighted_pct: Figure

    @property
    def done_pct(self):
        return 100 * self.done.value / self.total.value if self.total.value else 0


@dataclass
class HazardFigures:
    total: Figure
    by_river: list  # [(river, Figure)]
    by_risk: list  # [(level, label, Figure)]
    by_status: list  # [(status, label, Figure)]
    open_red: Figure
    open_orange: Figure
    rivers: list  # [Progress]
    open_now: int


def hazard_figures(rivers):
    groups = _hazard_groups()
    by_river, by_risk, by_status = Counter(), Counter(), Counter()
    progress_sum, weight_sum, cleared, counted = Counter(), Counter(), Counter(), Counter()
    open_severe = Counter()
    for river_id, level, status, n, p in groups:
        by_river[river_id] += n
        by_risk[level] += n
        by_status[status] += n
        if status in Hazard.OPEN_STATUSES and level in readiness.SEVERE_RISKS:
            open_severe[level] += n
        if status != Hazard.Status.CLOSED:
            counted[river_id] += n
            cleared[river_id] += n if status == Hazard.Status.CLEARED else 0
            progress_sum[river_id] += RISK_WEIGHT.get(level, 0) * (p or 0)
            weight_sum[river_id] += RISK_WEIGHT.get(level, 0) * n
    return HazardFigures(
        total=Figure(sum(by_river.values()), link("list")),
        by_river=[(river, Figure(by_river[river.pk], link("list", river=river.code))) for river in rivers],
        by_risk=[(level, label, Figure(by_risk[level], link("list", risk_level=level)))
                 for level, label in Hazard.RiskLevel.choices],
        by_status=[(status, label, Figure(by_status[status], link("list", status=status)))
                   for status, label in Hazard.Status.choices],
        open_red=Figure(open_severe["major"], link("list", risk_level="major", open="true")),
        open_orange=Figure(open_severe["high"], link("list", risk_level="high", open="true")),
        rivers=[Progress(
            name=river.name,
            total=Figure(counted[river.pk], link("list", river=river.code, status=NOT_CLOSED)),
            done=Figure(cleared[river.pk], link("list", river=river.code, status="cleared")),
            weighted_pct=Figure(round(progress_sum[river.pk] / weight_sum[river.pk]) if weight_sum[river.pk] else 0,
                                link("work-orders", river=river.code), count=False),
        ) for river in rivers],
        open_now=sum(n for _r, _l, status, n, _p in groups if status in Hazard.OPEN_STATUSES),
    )


# Works orders: overdue, due this week, progress per responsible unit --------------------------------------

LIVE_ORDER_STATUSES = sorted(set(WorkOrder.Status.values) - {WorkOrder.Status.SUSPENDED})


@dataclass
class OrderFigures:
    overdue: Figure
    due_soon: Figure
    units: list  # [Progress]


def order_figures():
    today = timezone.localdate()
    not_done = ~Q(status__in=WorkOrder.DONE_STATUSES)
    counts = WorkOrder.objects.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=today) & not_done),
        due=Count("id", filter=Q(deadline__gte=today, deadline__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
                  & not_done))
    weight = Case(*[When(hazard__risk_level=level, then=Value(w)) for level, w in RISK_WEIGHT.items()],
                     default=Value(REACH_WEIGHT), output_field=IntegerField())
    rows = (WorkOrder.objects.live().exclude(responsible_unit="").order_by().values_list("responsible_unit")
            .annotate(n=Count("id"), accepted=Count("id", filter=Q(status=WorkOrder.Status.ACCEPTED)),
                      p=Sum(F("progress_pct") * weight), w=Sum(weight)))
    units = [Progress(
        name=unit,
        total=Figure(n, link("work-orders", responsible_unit=unit, status=LIVE_ORDER_STATUSES)),
        done=Figure(accepted, link("work-orders", responsible_unit=unit, status="accepted")),
        weighted_pct=Figure(round(p / w) if w else 0, link("work-orders", responsible_unit=unit), count=False),
    ) for unit, n, accepted, p, w in rows]
    units.sort(key=lambda unit: (unit.weighted_pct.value, unit.name))
    return OrderFigures(
        overdue=Figure(counts["overdue"], link("work-orders", overdue="true")),
        due_soon=Figure(counts["due"], link("work-orders", due_within=DUE_SOON_DAYS)),
        units=units,
    )


# The burn-down: open hazards day by day, to the start of the flood season ---------------------------------

@dataclass
class BurnDown:
    start: datetime.date
    today: datetime.date
    deadline: datetime.date
    points: list  # [(day, hazards open at its end)], start to today
    open_now: int

    @property
    def days_left(self):
        return max(0, (self.deadline - self.today).days)

    @property
    def per_week_needed(self):
        """Hazards to clear a week from now on to have none open at the deadline."""
        weeks = self.days_left / 7
        return round(self.open_now / weeks, 1) if weeks else self.open_now


def burn_down(today=None, open_now=None):
    """Hazards open at the end of each day, replayed from their history rows (one query)."""
    today = today or timezone.localdate()
    window_start, deadline = season.season_in_view(today)
    start = min(window_start, today - datetime.timedelta(days=BURN_DOWN_MIN_DAYS))
    history = Hazard.history.model.objects.order_by("id", "history_date", "history_id").values_list(
        "id", "history_date", "status", "history_type")
    changes, before, last = Counter(), 0, {}
    for pk, when, status, kind in history.iterator(chunk_size=5000):
        is_open = kind != "-" and status in Hazard.OPEN_STATUSES
        if is_open != last.get(pk, False):
            day = timezone.localdate(when)
            delta = 1 if is_open else -1
            if day < start:
                before += delta
            else:
                changes[day] += delta
        last[pk] = is_open
    points, running, day = [], before, start
    while day <= today:
        running += changes[day]
        points.append((day, running))
        day += datetime.timedelta(days=1)
    return BurnDown(start=start, today=today, deadline=deadline, points=points,
                    open_now=open_now if open_now is not None else running)


# Villages' readiness, patrol coverage, the hotline ------------------------------------------------------

def village_figures(rows):
    """{view name: Figure} for the readiness table's views (readiness.READINESS_VIEWS)."""
    figures = {"all": Figure(len(rows), link("readiness"))}
    for name, test in readiness.READINESS_VIEWS.items():
        figures[name] = Figure(sum(1 for row in rows if test(row)), link("readiness", show=name))
    return figures


def coverage_figures(rivers, today=None):
    """[(river, Figure 7 days, Figure 30 days, coverage 7, coverage 30)]."""
    week, month = (readiness.river_coverage(days, today, rivers) for days in readiness.COVERAGE_DAYS)
    return [(w.river, Figure(round(w.percent), link("patrols", days=7), count=False),
             Figure(round(m.percent), link("patrols", days=30), count=False), w, m) for w, m in zip(week, month)]


@dataclass
class HotlineFigures:
    open: Figure
    answered_in_a_day: Figure
    received: Figure
    median_days: Figure
    closed: Figure


def hotline_figures():
    reports = CitizenReport.objects.all()
    summary = hotline.summary(reports.only("received_at", "assigned_at", "answered_at", "closed_at", "assign_by",
                                           "answer_by", "close_by", "status"))
    answered = reports.answered_within(datetime.timedelta(days=1)).count()
    return HotlineFigures(
        open=Figure(reports.open().count(), link("citizen-reports", show="open")),
        answered_in_a_day=Figure(answered, link("citizen-reports", show="answered_in_a_day")),
        received=Figure(summary.count, link("citizen-reports", show="all")),
        median_days=Figure(summary.median_days_to_closure, link("citizen-reports", show="closed"), count=False),
        closed=Figure(summary.closed, link("citizen-reports", show="closed")),
    )


# The response, when one is under way ------------------------------------------------------------------

@dataclass
class ResponseFigures:
    declarations: list
    calls_confirmed: Figure
    calls_waiting: Figure
    totals: response.Totals
    moved: Figure
    to_move: Figure
    on_duty: list
    stocks: list  # [(item label, quantity)]
    depots: list  # the depots nearest the open red hazards
    red_hazards: Figure


def response_figures():
    """None when no warning is current; else the figures a response is run by."""
    declarations = list(Declaration.objects.filter(ended_at=None).select_related("river", "town")
                        .order_by("response_level", "-started_at"))
    if not declarations:
        return None
    calls = CallOut.objects.filter(declaration__ended_at=None).aggregate(
        confirmed=Count("id", filter=Q(confirmed_at__isnull=False)), total=Count("id"))
    board = reverse("hazards:response")
    totals = response.evacuation_totals()
    red = list(Hazard.objects.filter(risk_level="major", status__in=Hazard.OPEN_STATUSES).only("location"))
    resources = response.Resources.load()
    depots = {depot.pk: depot for depot in (resources.nearest_depot(h)[0] for h in red) if depot is not None}
    labels = dict(DepotItem.Item.choices)
    stocks = (DepotItem.objects.filter(depot__in=list(depots)).order_by("item").values_list("item")
              .annotate(q=Sum("quantity")))
    return ResponseFigures(
        declarations=declarations,
        calls_confirmed=Figure(calls["confirmed"], board + "#calls", count=False),
        calls_waiting=Figure(calls["total"] - calls["confirmed"], board + "#calls", count=False),
        totals=totals,
        moved=Figure(totals.moved, board + "#evacuations", count=False),
        to_move=Figure(totals.to_move, board + "#evacuations", count=False),
        on_duty=response.duty_users(),
        stocks=[(labels.get(item, item), quantity) for item, quantity in stocks],
        depots=sorted(depots.values(), key=lambda depot: depot.name),
        red_hazards=Figure(len(red), link("list", risk_level="major", open="true")),
    )


# The latest changes ------------------------------------------------------------------------------------

@dataclass
class Change:
    when: datetime.datetime
    who: object
    kind: str  # created, changed, deleted
    what: str
    url: str | None
    status: str


def latest_changes(limit=LATEST_CHANGES):
    """The latest changes to hazards and works orders, newest first (two queries)."""
    kinds = {"+": pgettext("history", "created"), "~": pgettext("history", "changed"), "-": pgettext("history", "deleted")}
    rows = []
    hazards = Hazard.history.model.objects.select_related("history_user").only(
        "id", "code", "title", "status", "history_date", "history_type", "history_user__username",
        "history_user__first_name", "history_user__last_name").order_by("-history_date", "-history_id")[:limit]
    for record in hazards:
        rows.append(Change(record.history_date, record.history_user, kinds[record.history_type],
                           f"{record.code} {record.title}",
                           None if record.history_type == "-" else reverse("hazards:detail", args=[record.code]),
                           record.get_status_display()))
    orders = WorkOrder.history.model.objects.select_related("history_user").only(
        "id", "title", "status", "progress_pct", "history_date", "history_type", "history_user__username",
        "history_user__first_name", "history_user__last_name").order_by("-history_date", "-history_id")[:limit]
    for record in orders:
        rows.append(Change(record.history_date, record.history_user, kinds[record.history_type],
                           f"#{record.id} {record.title}",
                           None if record.history_type == "-" else reverse("hazards:work-order", args=[record.id]),
                           f"{record.get_status_display()} · {record.progress_pct} %"))
    return sorted(rows, key=lambda change: change.when, reverse=True)[:limit]


# Everything --------------------------------------------------------------------------------------------

@dataclass
class Dashboard:
    today: datetime.date
    days_to_season: Figure
    days_to_main_season: Figure
    in_season: bool
    season_start: datetime.date
    main_season_start: datetime.date
    hazards: HazardFigures
    orders: OrderFigures
    burn_down: BurnDown
    villages: dict
    coverage: list
    hotline: HotlineFigures
    response: ResponseFigures | None
    changes: list = field(default_factory=list)

    def figures(self):
        """Every figure shown, with a name for tests and the PDF: [(name, Figure)]."""
        found = [("days to the flood season", self.days_to_season), ("days to the main season", self.days_to_main_season),
                 ("hazards", self.hazards.total), ("open red", self.hazards.open_red),
                 ("open orange", self.hazards.open_orange), ("overdue orders", self.orders.overdue),
                 ("orders due this week", self.orders.due_soon)]
        found += [(f"river {river.code}", figure) for river, figure in self.hazards.by_river]
        found += [(f"risk {level}", figure) for level, _label, figure in self.hazards.by_risk]
        found += [(f"status {status}", figure) for status, _label, figure in self.hazards.by_status]
        for group, items in (("river progress", self.hazards.rivers), ("unit progress", self.orders.units)):
            for item in items:
                found += [(f"{group} {item.name} total", item.total), (f"{group} {item.name} done", item.done),
                          (f"{group} {item.name} weighted", item.weighted_pct)]
        found += [(f"villages {name}", figure) for name, figure in self.villages.items()]
        for river, week, month, _w, _m in self.coverage:
            found += [(f"coverage {river.code} 7", week), (f"coverage {river.code} 30", month)]
        found += [(f"hotline {name}", getattr(self.hotline, name)) for name in
                  ("open", "answered_in_a_day", "received", "median_days", "closed")]
        if self.response:
            found += [(f"response {name}", getattr(self.response, name)) for name in
                      ("calls_confirmed", "calls_waiting", "moved", "to_move", "red_hazards")]
        return found


def dashboard(today=None):
    """Everything the dashboard shows, in a fixed number of queries."""
    today = today or timezone.localdate()
    rivers = list(River.objects.all())  # their lines too: coverage is a share of each river's length
    hazards = hazard_figures(rivers)
    return Dashboard(
        today=today,
        days_to_season=Figure(season.days_to_flood_season(today), link("work-orders", status=["planned", "in_progress"]),
                              count=False),
        days_to_main_season=Figure(season.days_to_main_flood_season(today), link("readiness", show="not_ready"),
                                   count=False),
        in_season=season.in_flood_season(today),
        season_start=season.flood_season_start(today),
        main_season_start=season.main_flood_season_start(today),
        hazards=hazards,
        orders=order_figures(),
        burn_down=burn_down(today, hazards.open_now),
        villages=village_figures(readiness.village_readiness(today)),
        coverage=coverage_figures(rivers, today),
        hotline=hotline_figures(),
        response=response_figures(),
        changes=latest_changes(),
    )

