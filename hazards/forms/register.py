from django import forms
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _

from ..models import Hazard, River
from .photos import PhotosForm


class HazardForm(PhotosForm, forms.ModelForm):
    """Report or edit a hazard. The point comes from the map, the phone or a photo."""

    latitude = forms.FloatField(label=_("Latitude"), required=False)
    longitude = forms.FloatField(label=_("Longitude"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Hazard
        fields = [
            "title", "river", "kind", "in_main_channel", "blockage_pct", "status",
            "risk_override", "risk_override_reason", "responsible_unit", "description", "interim_measure",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "risk_override_reason": forms.Textarea(attrs={"rows": 2}),
            "interim_measure": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["river"].required = False
        self.fields["river"].empty_label = _("Nearest river")
        self.fields["river"].queryset = River.objects.all()
        self.fields["photos"].help_text = _("A photo with GPS places the point when none is chosen on the map.")
        self.fields["risk_override"].help_text = _("Leave empty to use the rule; a manual level needs a reason.")
        # Only the statuses an inspector decides; the others follow from work orders.
        settable = self.instance.settable_statuses()
        if settable:
            self.fields["status"].choices = [(v, label) for v, label in Hazard.Status.choices if v in settable]
        else:
            del self.fields["status"]
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        location = self.instance.location
        if location is not None and not self.is_bound:
            self.initial.update(latitude=round(location.y, 6), longitude=round(location.x, 6))

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if lat is not None and lon is not None:
            self.instance.location = Point(lon, lat, srid=4326)
        elif lat is not None or lon is not None:
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        else:
            gps = next((photo.gps for photo in self.all_photos() if photo.gps is not None), None)
            if gps is not None:
                self.instance.location = gps
            elif self.instance.location is None:
                self.add_error(
                    "latitude", _("Choose the location: click the map, use your position, or attach a photo with GPS.")
                )
        return cleaned

    def _update_errors(self, errors):
        # The model names location errors "location"; the form shows them by the coordinates.
        if hasattr(errors, "error_dict") and "location" in errors.error_dict:
            errors.error_dict.setdefault("latitude", []).extend(errors.error_dict.pop("location"))
        super()._update_errors(errors)
