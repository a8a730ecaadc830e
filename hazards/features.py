"""Hazard features for the GeoJSON API, written as JSON by the database itself.

/api/hazards/ for 10,000 hazards must cost little more than the SQL that
reads the same values (`make bench`, bench/map_layers.py): Python building
a dict and calling json.dumps per hazard took four times as long as the
query. So each hazard's properties are one json_object (SpatiaLite) or
json_build_object (PostGIS) call, labels in the user's language put in as
values, and each open work order one more; Python only joins the strings.
The properties are those api.hazard_features always gave: the same names,
values and types.
"""

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import BooleanField, Case, F, Func, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from .models import Hazard, HazardPhoto, WorkOrder


class JSONText(Func):
    """A JSON object as text, from (key, expression) pairs, built by the database."""

    function = "json_object"
    output_field = TextField()

    def __init__(self, pairs):
        arguments = []
        for key, expression in pairs:
            arguments += [Value(key), expression]
        super().__init__(*arguments)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="json_build_object", template="%(function)s(%(expressions)s)::text",
                           **extra)


class JSONBoolean(Func):
    """A boolean column as JSON true or false (SQLite has no booleans: json_object would write 1 or 0)."""

    template = "json(CASE WHEN %(expressions)s THEN 'true' ELSE 'false' END)"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="%(expressions)s", **extra)


class JSONValue(Func):
    """JSON text embedded as JSON, not as a string."""

    template = "json(%(expressions)s)"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::json", **extra)


class Round1(Func):
    template = "round(%(expressions)s, 1)"

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="round((%(expressions)s)::numeric, 1)", **extra)


class Chainage(Func):
    """geo.format_chainage in SQL: 12,350 m is K12+350."""

    template = ("printf('K%%%%d+%%%%03d', CAST(round(%(expressions)s) AS INTEGER) / 1000, "
                "CAST(round(%(expressions)s) AS INTEGER) %%%% 1000)")
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        template = ("('K' || (round(%(expressions)s)::bigint / 1000) || '+' || "
                    "lpad((round(%(expressions)s)::bigint %%%% 1000)::text, 3, '0'))")
        return self.as_sql(compiler, connection, template=template, **extra)


class IsoUTC(Func):
    """A timestamp as Python's isoformat() writes it in UTC (Django keeps SQLite's in UTC, as text)."""

    template = "(replace(%(expressions)s, ' ', 'T') || '+00:00')"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "(to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00')"
        return self.as_sql(compiler, connection, template=template, **extra)


class Joined(Func):
    """Text joined with ||: NULL if any part is (a URL for a thumbnail that is not there)."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = TextField()


def _label(field, choices):
    """A choice's label in the current language."""
    return Case(*(When(**{field: value}, then=Value(str(label))) for value, label in choices), output_field=TextField())


def _name(relation, english):
    if english:
        return Coalesce(NullIf(F(f"{relation}__name_en"), Value("")), F(f"{relation}__name_zh"))
    return F(f"{relation}__name_zh")


def hazard_properties():
    """The properties of a hazard's feature (all but its orders) as one SQL expression."""
    english = (get_language() or "").startswith("en")
    latest_thumbnail = HazardPhoto.objects.filter(hazard=OuterRef("pk")).order_by("-created_at", "-id").values("thumbnail")[:1]
    colours = Case(*(When(risk_level=level, then=Value(colour)) for level, colour in Hazard.RISK_COLOURS.items()),
                   output_field=TextField())
    return JSONText([
        ("code", F("code")), ("title", F("title")), ("river", F("river__code")),
        ("chainage_m", Round1(F("chainage_m"))), ("chainage", Chainage(F("chainage_m"))),
        ("kind", F("kind")), ("kind_label", _label("kind", Hazard.Kind.choices)),
        ("in_main_channel", JSONBoolean(F("in_main_channel"))), ("blockage_pct", F("blockage_pct")),
        ("risk_level", F("risk_level")), ("risk_label", _label("risk_level", Hazard.RiskLevel.choices)),
        ("colour", colours), ("status", F("status")), ("status_label", _label("status", Hazard.Status.choices)),
        ("town", _name("town", english)), ("village", _name("village", english)),
        ("updated_at", IsoUTC(F("updated_at"))),
        ("url", Joined(Value(reverse("hazards:detail", args=["CODE"]).replace("CODE/", "")), F("code"), Value("/"))),
        ("thumbnail", Joined(Value(reverse("media", args=["x"])[:-1]), Subquery(latest_thumbnail))),
    ])


def order_properties():
    """What a popup shows of an open work order, as one SQL expression (overdue: WorkOrder.is_overdue)."""
    late = Q(deadline__lt=timezone.localdate()) & ~Q(status__in=WorkOrder.DONE_STATUSES)
    return JSONText([
        ("id", F("id")), ("title", F("title")), ("progress_pct", F("progress_pct")), ("status", F("status")),
        ("status_label", _label("status", WorkOrder.Status.choices)), ("deadline", F("deadline")),
        ("overdue", JSONBoolean(Case(When(late, then=Value(True)), default=Value(False), output_field=BooleanField()))),
        ("url", Joined(Value(reverse("hazards:work-order", args=[0])[:-2]), F("id"), Value("/"))),
    ])


def open_orders_json(hazards):
    """{hazard id: JSON array of its open work orders, by deadline} for these hazards, in one query."""
    # A page of hazards (OGC API's items) keeps its order and slice; a whole selection needs no order.
    keys = hazards.values("pk") if hazards.query.is_sliced else hazards.order_by().values("pk")
    orders = (WorkOrder.objects.open().filter(hazard__in=keys)
              .order_by("hazard_id", "deadline", "id").values_list("hazard_id", order_properties()))
    by_hazard = {}
    for hazard_id, item in orders:
        by_hazard.setdefault(hazard_id, []).append(item)
    return {hazard_id: "[" + ",".join(items) + "]" for hazard_id, items in by_hazard.items()}


def hazard_feature_strings(queryset):
    """Each hazard of the queryset as a GeoJSON Feature, a string, in the queryset's order."""
    orders = open_orders_json(queryset)
    rows = queryset.values_list("pk", AsGeoJSON("location", precision=6), hazard_properties())
    for pk, geometry, properties in rows:
        yield ('{"type":"Feature","geometry":' + geometry + ',"properties":' + properties[:-1] +
               ',"orders":' + orders.get(pk, "[]") + "}}")
