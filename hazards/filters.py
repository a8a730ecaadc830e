"""The hazard filters, shared by the map, the list and the API (same names everywhere)."""

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Hazard, River, WorkOrder


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
        return qs if value is None else qs.filter(location__within=value)


class HazardFilter(django_filters.FilterSet):
    river = django_filters.ModelMultipleChoiceFilter(
        label=_("River"), field_name="river__code", to_field_name="code", queryset=River.objects.all()
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Hazard.Status.choices)
    risk_level = django_filters.MultipleChoiceFilter(label=_("Risk level"), choices=Hazard.RiskLevel.choices)
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=Hazard.Kind.choices)
    bbox = BboxFilter(label=_("Map extent"))

    class Meta:
        model = Hazard
        fields = ["river", "status", "risk_level", "kind", "bbox"]


def filter_errors(filterset):
    """Filter errors as one readable message per parameter."""
    return {name: " ".join(messages) for name, messages in filterset.errors.items()}


class WorkOrderFilter(django_filters.FilterSet):
    river = django_filters.ModelMultipleChoiceFilter(
        label=_("River"), field_name="river__code", to_field_name="code", queryset=River.objects.all()
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=WorkOrder.Status.choices)
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    unit = django_filters.CharFilter(label=_("Responsible unit"), field_name="responsible_unit", lookup_expr="icontains")

    class Meta:
        model = WorkOrder
        fields = ["river", "status", "overdue", "unit"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(deadline__lt=timezone.localdate()) & ~Q(status__in=WorkOrder.DONE_STATUSES)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
