"""Forms for patrols, evacuation plans and drills."""

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import geo
from ..imports import tracks
from ..models import (
    Drill,
    DrillFollowUp,
    EvacuationPlan,
    EvacuationRoute,
    Hazard,
    Patrol,
    PatrolCheck,
    PlanContact,
    River,
    Shelter,
    Town,
    Village,
    WorkOrder,
)
from .photos import MultiplePhotoField, PhotoField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatrolForm(forms.ModelForm):
    """Record a patrol from a phone's GPX track, or from a line drawn on the map."""

    gpx = forms.FileField(
        label=_("GPX track"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".gpx,application/gpx+xml,application/xml,text/xml"}),
        help_text=_("The track recorded on the phone (e.g. 两步路, 六只脚, OsmAnd), exported as GPX."),
    )
    drawn_track = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Patrol
        fields = ["river", "date", "companions", "note"]
        widgets = {"date": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["river"].required = False
        self.fields["river"].empty_label = _("The river the track follows")
        self.fields["river"].queryset = River.objects.all()
        self.fields["date"].required = False
        self.fields["date"].help_text = _("Taken from the GPX track when it has times.")

    def clean(self):
        cleaned = super().clean()
        upload, drawn = cleaned.get("gpx"), cleaned.get("drawn_track")
        if upload and drawn:
            raise ValidationError(_("Upload a GPX track or draw the stretch on the map, not both."))
        if not upload and not drawn:
            raise ValidationError(_("Upload the GPX track from your phone, or draw the stretch you walked on the map."))
        try:
            track = tracks.read_gpx(upload) if upload else tracks.read_drawn_line(drawn)
            tracks.check_patrol_track(track)
        except ValidationError as error:
            self.add_error("gpx" if upload else None, error)
            return cleaned
        self._apply(track, source=Patrol.Source.GPX if upload else Patrol.Source.DRAWN)
        return cleaned

    def _apply(self, track, source):
        patrol = self.instance
        patrol.track, patrol.source = track.line, source
        patrol.started_at, patrol.ended_at = track.started_at, track.ended_at
        patrol.moving_speed_kmh = track.moving_speed_kmh
        recorded_on = timezone.localdate(track.started_at) if track.started_at else None
        date = self.cleaned_data.get("date")
        if date and recorded_on and date != recorded_on:
            self.add_error("date", _("The track was recorded on %(day)s; leave the date empty or make it match.")
                           % {"day": recorded_on.isoformat()})
        elif not date and not recorded_on:
            self.add_error("date", _("This track has no times: give the date of the patrol."))
        self.cleaned_data["date"] = date or recorded_on


class PatrolCheckForm(forms.ModelForm):
    """A hazard checked on a patrol, with what was seen there."""

    photo = PhotoField(label=_("Photo"), required=False)

    class Meta:
        model = PatrolCheck
        fields = ["hazard", "observation"]
        widgets = {"observation": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, patrol, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.patrol = patrol
        self.fields["hazard"].queryset = Hazard.objects.filter(river=patrol.river).order_by("chainage_m")
        self.fields["hazard"].label_from_instance = lambda h: f"{h.code} {h.chainage} {h.title}"

    def clean_hazard(self):
        hazard = self.cleaned_data["hazard"]
        if self.instance.patrol.checks.filter(hazard=hazard).exists():
            raise ValidationError(_("%(code)s is already checked on this patrol.") % {"code": hazard.code})
        return hazard


class EvacuationPlanForm(forms.ModelForm):
    class Meta:
        model = EvacuationPlan
        fields = [
            "village", "people_at_risk", "households_at_risk", "vulnerable_people", "vulnerable_note",
            "trigger_level", "reviewed_on", "note",
        ]
        widgets = {
            "reviewed_on": DATE,
            "vulnerable_note": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Village.objects.select_related("town").filter(evacuation_plan=None)
        if self.instance.pk:
            villages = Village.objects.filter(pk=self.instance.village_id) | villages
        self.fields["village"].queryset = villages.select_related("town")
        self.fields["village"].label_from_instance = lambda v: f"{v.town} {v}"


class ShelterForm(forms.ModelForm):
    """A shelter: its point comes from the map, or typed in."""

    latitude = forms.FloatField(label=_("Latitude"), widget=forms.NumberInput(attrs={"step": "any"}))
    longitude = forms.FloatField(label=_("Longitude"), widget=forms.NumberInput(attrs={"step": "any"}))

    class Meta:
        model = Shelter
        fields = ["name", "capacity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.location is not None and not self.is_bound:
            self.initial.update(latitude=round(self.instance.location.y, 6), longitude=round(self.instance.location.x, 6))

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if lat is None or lon is None:
            return cleaned
        point = Point(lon, lat, srid=geo.WGS84)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not geo.in_district(point):
            self.add_error("latitude", _("The shelter must be in Tongzhou district."))
        else:
            self.instance.location = point
        return cleaned


class RouteForm(forms.ModelForm):
    """An evacuation route, drawn on the map (sent as GeoJSON)."""

    line = forms.CharField(label=_("Route"), widget=forms.HiddenInput, required=False)

    class Meta:
        model = EvacuationRoute
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.path is not None and not self.is_bound:
            self.initial["line"] = self.instance.path.geojson

    def clean_line(self):
        text = self.cleaned_data["line"]
        if not text:
            if self.cleaned_data.get("name") or self.instance.path is not None:
                raise ValidationError(_("Draw the route on the map."))
            return text
        self.instance.path = tracks.read_drawn_line(text, what=_("The route")).line[0]
        return text


ContactFormSet = inlineformset_factory(
    EvacuationPlan, PlanContact, fields=["name", "duty", "phone"], extra=1, can_delete=True
)
ShelterFormSet = inlineformset_factory(EvacuationPlan, Shelter, form=ShelterForm, extra=1, can_delete=True)
RouteFormSet = inlineformset_factory(EvacuationPlan, EvacuationRoute, form=RouteForm, extra=1, can_delete=True)


def plan_formsets(data=None, instance=None):
    """The contacts, shelters and routes of a plan, as formsets with their own prefixes."""
    return {
        "contacts": ContactFormSet(data, instance=instance, prefix="contacts"),
        "shelters": ShelterFormSet(data, instance=instance, prefix="shelters"),
        "routes": RouteFormSet(data, instance=instance, prefix="routes"),
    }


class DrillForm(forms.ModelForm):
    """A drill of a town, or of some of its villages: the town follows from the villages."""

    photos = MultiplePhotoField(label=_("Photos"), required=False)

    class Meta:
        model = Drill
        fields = [
            "date", "villages", "town", "kind", "scenario", "organiser", "participants", "duration_minutes", "problems",
        ]
        widgets = {
            "date": DATE,
            "villages": forms.CheckboxSelectMultiple,
            "scenario": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].required = False
        self.fields["town"].queryset = Town.objects.all()
        self.fields["town"].help_text = _("Filled in from the villages; choose it for a drill of the whole town.")
        self.fields["villages"].queryset = Village.objects.select_related("town")
        self.fields["villages"].label_from_instance = lambda v: f"{v} ({v.town})"

    def clean(self):
        cleaned = super().clean()
        villages, town = cleaned.get("villages") or [], cleaned.get("town")
        towns = {village.town for village in villages}
        if len(towns) > 1:
            self.add_error(
                "villages", _("A drill is held in one town: these villages lie in %(n)s towns.") % {"n": len(towns)})
        elif towns and town and town not in towns:
            self.add_error("town", _("The villages chosen are not in this town."))
        elif towns:
            cleaned["town"] = self.instance.town = towns.pop()
        elif not town:
            self.add_error("town", _("Choose the town, or the villages that took part."))
        return cleaned


FollowUpFormSet = inlineformset_factory(
    Drill, DrillFollowUp, fields=["action", "responsible", "due"], extra=2, can_delete=True,
    widgets={"action": forms.Textarea(attrs={"rows": 2}), "due": DATE},
)


class FollowUpWorkOrderForm(forms.ModelForm):
    """A clearance work order made from a drill's follow-up action."""

    class Meta:
        model = WorkOrder
        fields = ["title", "kind", "hazard", "river", "start_chainage_m", "end_chainage_m", "responsible_unit", "deadline"]
        widgets = {"deadline": DATE}

    def __init__(self, *args, follow_up, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(title=follow_up.action[:200], responsible_unit=follow_up.responsible[:200])
            if follow_up.due:
                self.initial["deadline"] = follow_up.due
        self.fields["hazard"].queryset = Hazard.objects.select_related("river")
        self.fields["hazard"].required = False
        self.fields["hazard"].help_text = _("Or give a river with the chainages the works run from and to.")
