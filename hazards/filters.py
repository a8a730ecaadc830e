"""The hazard filters, shared by the map, the list and the API (same names everywhere)."""

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from .models import Hazard, River, Town, WorkOrder


class BboxField(forms.CharField):
    """minlon,minlat,maxlon,maxlat in WGS84."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            minlon, minlat, maxlon, maxlat = (float(v) for v in value.split(","))
        except ValueError:
            raise ValidationError(_("bbox must be four numbers: minlon,minlat,maxlon,maxlat."))
        if not (-180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90):
            raise ValidationError(_("bbox must run from the south-west corner to the north-east corner, in degrees."))
        return Polygon.from_bbox((minlon, minlat, maxlon, maxlat))


class BboxFilter(django_filters.Filter):
    field_class = BboxField

    def filter(self, qs, value):
        return qs if value is None else spatial_index(qs, value.extent).filter(location__within=value)


def spatial_index(queryset, bbox):
    """The hazards whose point may lie in bbox (west, south, east, north), found through the spatial index.

    PostGIS's planner uses the location's GiST index for any spatial lookup by
    itself. SpatiaLite keeps an R*Tree beside the table (idx_<table>_<column>)
    that no query uses unless it names it: without this, a bbox is a scan of
    every row.
    """
    if connection.vendor != "sqlite":
        return queryset
    west, south, east, north = bbox
    index = f"idx_{Hazard._meta.db_table}_{Hazard._meta.get_field('location').column}"
    return queryset.filter(pk__in=RawSQL(
        f"SELECT pkid FROM {index} WHERE xmin <= %s AND xmax >= %s AND ymin <= %s AND ymax >= %s",
        (east, west, north, south),
    ))


def in_bbox(queryset, bbox):
    """The hazards whose point lies in bbox (west, south, east, north), edges included, through the spatial index."""
    return spatial_index(queryset, bbox).filter(location__intersects=Polygon.from_bbox(bbox))


class FlagCheckbox(forms.CheckboxInput):
    """A ticked box sends "true"; an unticked one leaves the filter off (not "false")."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class FlagField(forms.Field):
    """true or false (also 1/0, yes/no); anything else is an error, not silently ignored."""

    widget = FlagCheckbox

    VALUES = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise ValidationError(_("Use true or false."))


class FlagFilter(django_filters.BooleanFilter):
    field_class = FlagField


class HazardFilter(django_filters.FilterSet):
    river = django_filters.ModelMultipleChoiceFilter(
        label=_("River"), field_name="river__code", to_field_name="code", queryset=River.objects.all()
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Hazard.Status.choices)
    risk_level = django_filters.MultipleChoiceFilter(label=_("Risk level"), choices=Hazard.RiskLevel.choices)
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=Hazard.Kind.choices)
    bbox = BboxFilter(label=_("Map extent"))
    town = django_filters.ModelMultipleChoiceFilter(
        label=_("Town"), field_name="town__code", to_field_name="code", queryset=Town.objects.all()
    )
    min_risk = django_filters.ChoiceFilter(
        label=_("Minimum risk level"), choices=Hazard.RiskLevel.choices, empty_label=_("Any level"),
        method="filter_min_risk",
    )
    open = FlagFilter(label=_("Open only"), method="filter_open")
    overdue = FlagFilter(label=_("Overdue only"), method="filter_overdue")

    class Meta:
        model = Hazard
        fields = ["river", "status", "risk_level", "kind", "bbox", "town", "min_risk", "open", "overdue"]

    def filter_min_risk(self, queryset, name, value):
        """This risk level or a higher one (as a list of levels, so that the risk_level index serves it)."""
        return queryset.filter(risk_level__in=[level for level, rank in Hazard.RISK_RANK.items()
                                               if rank >= Hazard.RISK_RANK[value]])

    def filter_open(self, queryset, name, value):
        """open=true: not yet cleared or closed (Hazard.is_open); open=false: the others."""
        query = {"status__in": Hazard.OPEN_STATUSES}
        return queryset.filter(**query) if value else queryset.exclude(**query)

    def filter_overdue(self, queryset, name, value):
        """overdue=true: a works order of the hazard is past its deadline (WorkOrder.is_overdue)."""
        overdue_orders = WorkOrder.objects.overdue().filter(hazard=OuterRef("pk"))
        return queryset.filter(Exists(overdue_orders) if value else ~Exists(overdue_orders))


def query_id(params, name, model):
    """The id of a `model` row named in a query parameter, or None when the parameter is absent or empty.

    ValidationError unless it is ASCII digits within the range of the model's
    primary key on this database: Unicode digits ("²") pass str.isdigit() but
    not int(), and numbers past 2**63 overflow SQLite.
    """
    value = params.get(name)
    if not value:
        return None
    error = ValidationError(
        _("%(name)s is not the number of any %(what)s.") % {"name": name, "what": model._meta.verbose_name}
    )
    if not (value.isascii() and value.isdigit()):
        raise error
    try:
        model._meta.pk.run_validators(int(value))
    except ValidationError:
        raise error
    return int(value)


def filter_errors(filterset):
    """Filter errors as one readable message per parameter."""
    return {name: " ".join(messages) for name, messages in filterset.errors.items()}


class WorkOrderFilter(django_filters.FilterSet):
    river = django_filters.ModelMultipleChoiceFilter(
        label=_("River"), field_name="river__code", to_field_name="code", queryset=River.objects.all()
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=WorkOrder.Status.choices)
    overdue = FlagFilter(label=_("Overdue only"), method="filter_overdue")
    unit = django_filters.CharFilter(label=_("Responsible unit"), field_name="responsible_unit", lookup_expr="icontains")
    reach = FlagFilter(label=_("Reaches only"), method="filter_reach")
    due_within = django_filters.NumberFilter(
        label=_("Due within (days)"), method="filter_due_within", min_value=0, max_value=366,
        widget=forms.NumberInput(attrs={"min": 0, "max": 366}))
    # The dashboard's figures per unit name one unit exactly ("unit" finds any unit whose name holds the text).
    responsible_unit = django_filters.CharFilter(label=_("Responsible unit (exactly)"), field_name="responsible_unit",
                                                 widget=forms.HiddenInput)

    class Meta:
        model = WorkOrder
        fields = ["river", "status", "overdue", "unit", "reach", "due_within", "responsible_unit"]

    def filter_due_within(self, queryset, name, value):
        """due_within=7: not completed, the deadline today or in the next 7 days (WorkOrderQuerySet.due_within)."""
        return queryset.due_within(int(value))

    def filter_reach(self, queryset, name, value):
        """reach=true: orders for a stretch of river (dredging, grass cutting); reach=false: orders for a hazard."""
        return queryset.filter(hazard__isnull=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset.exclude(pk__in=WorkOrder.objects.overdue().values("pk"))
