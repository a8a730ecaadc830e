from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import geo
from ..models import CitizenReport, Hazard, River
from ..models.text import TEXT_MAX_LENGTH


class Open311RequestForm(forms.Form):
    """A service request POSTed by a client system (GeoReport v2 field names), checked before anything is written."""

    service_code = forms.ChoiceField(choices=CitizenReport.Service.choices)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=250)
    address_id = forms.CharField(required=False, max_length=100)
    description = forms.CharField(required=False, max_length=TEXT_MAX_LENGTH)
    media_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    email = forms.EmailField(required=False)
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    phone = forms.CharField(required=False, max_length=40)
    device_id = forms.CharField(required=False, max_length=100)
    account_id = forms.CharField(required=False, max_length=100)
    jurisdiction_id = forms.CharField(required=False, max_length=100)

    # Service attributes (attribute[code]=value), as the service definitions list them.
    ATTRIBUTES = ("kind", "river", "urgency")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attribute[kind]"] = forms.ChoiceField(required=False, choices=[("", "")] + Hazard.Kind.choices)
        self.fields["attribute[river]"] = forms.ChoiceField(
            required=False, choices=[("", "")] + [(r.code, r.name) for r in River.objects.all()])
        self.fields["attribute[urgency]"] = forms.ChoiceField(required=False, choices=[("", "")] + CitizenReport.Urgency.choices)

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("lat"), cleaned.get("long")
        if (lat is None) != (lon is None):
            raise ValidationError(_("Give both lat and long, or neither."))
        if lat is not None:
            point = Point(lon, lat, srid=geo.WGS84)
            try:
                inside = geo.in_district(point)
            except geo.OutsideProjection:
                inside = False
            if not inside:
                raise ValidationError(_("The location (lat %(lat)s, long %(lon)s) is outside Tongzhou district.")
                                      % {"lat": lat, "lon": lon})
            cleaned["location"] = point
        elif not cleaned.get("address_string", "").strip() and not self.errors:
            raise ValidationError(_("Give the location (lat and long) or an address_string."))
        return cleaned

    def report(self):
        """The unsaved citizen report this request describes."""
        data = self.cleaned_data
        river_code = data.get("attribute[river]")
        return CitizenReport(
            service_code=data["service_code"], urgency=data.get("attribute[urgency]") or CitizenReport.Urgency.ORDINARY,
            description=data["description"], location=data.get("location"), address_string=data["address_string"],
            river=River.objects.filter(code=river_code).first() if river_code else None,
            kind=data.get("attribute[kind]") or CitizenReport.SERVICE_KINDS[data["service_code"]],
            media_url=data["media_url"], first_name=data["first_name"], last_name=data["last_name"],
            email=data["email"], phone=data["phone"],
        )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the hotline tells the caller)"), max_length=TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    hazard = forms.CharField(label=_("Hazard code"), max_length=16)

    def clean_hazard(self):
        hazard = Hazard.objects.filter(code=self.cleaned_data["hazard"].strip()).first()
        if hazard is None:
            raise ValidationError(_("There is no hazard with this code."))
        return hazard
