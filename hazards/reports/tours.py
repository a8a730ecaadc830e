"""Tour mode: the form that saves a tour, the presets that fill one, and who may change it."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import roles
from ..models import Hazard, River, Tour


class TourForm(forms.ModelForm):
    hazards = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Stops"), queryset=Hazard.objects.all(), to_field_name="code",
        error_messages={"required": gettext_lazy("Pick at least one stop on the map.")},
    )

    class Meta:
        model = Tour
        fields = ["name", "note", "hazards"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


def presets():
    """Ready-made selections, as filters of the hazard API: per river, the open red and orange hazards."""
    serious = {"min_risk": Hazard.RiskLevel.HIGH, "open": "true"}
    choices = [
        {"label": _("All open red and orange hazards on the %(river)s") % {"river": river.name},
         "query": urlencode({"river": river.code, **serious})}
        for river in River.objects.all()
    ]
    choices.append({"label": _("All open red and orange hazards"), "query": urlencode(serious)})
    choices.append({"label": _("All overdue hazards"), "query": urlencode({"overdue": "true"})})
    return choices


def can_change(user, tour):
    """Its author changes a tour; an admin may change any."""
    return roles.has_role(user, roles.ADMIN) or (tour.created_by_id is not None and tour.created_by_id == user.pk)


def get_tour_for_user(user, pk, *, edit=False):
    """The tour, if this user may read it (any role) or change it (its author, an admin)."""
    tour = get_object_or_404(Tour.objects.select_related("created_by"), pk=pk)
    if edit and not can_change(user, tour):
        raise PermissionDenied
    return tour
