"""Forms of the flood response: declarations, evacuation counts, responsible persons, owners, duty, gauge readings."""

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    LEVEL_FOR_WARNING,
    Declaration,
    DutyLogEntry,
    DutyShift,
    Evacuation,
    Gauge,
    GaugeReading,
    Hazard,
    ObstructionOwner,
    Responsibility,
    ResponsiblePerson,
    River,
    Town,
    Village,
    WorkOrder,
)
from ..models.response import PEOPLE
from .readiness import DATE

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def user_label(user):
    return user.get_full_name() or user.username


class DeclarationForm(forms.ModelForm):
    """A warning and the response level, for the district, a town or a river. The level follows the warning
    (blue IV … red I) unless chosen."""

    class Meta:
        model = Declaration
        fields = ["warning", "response_level", "scope", "town", "river", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2}), "scope": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = Declaration.Scope.choices  # one is always chosen: no empty choice
        self.fields["response_level"].required = False
        self.fields["response_level"].help_text = _("Empty: the level that goes with the warning (blue IV, yellow III, "
                                                    "orange II, red I).")
        self.fields["town"].queryset = Town.objects.all()
        self.fields["river"].queryset = River.objects.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("warning") and not cleaned.get("response_level"):
            cleaned["response_level"] = self.instance.response_level = LEVEL_FOR_WARNING[cleaned["warning"]]
        return cleaned


class ActionForm(forms.Form):
    done = forms.BooleanField(required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EvacuationForm(forms.ModelForm):
    """The counts a village lead enters from a phone, with the people now in each shelter of the plan."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Evacuation
        fields = ["moved", "vulnerable_moved", "to_relatives", "returned", "vehicles"]
        widgets = {name: forms.NumberInput(attrs={"inputmode": "numeric", "min": 0})
                   for name in ["moved", "vulnerable_moved", "to_relatives", "returned", "vehicles"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", self.instance.version)
        counts = {row.shelter_id: row.people for row in self.instance.occupancy.all()}
        self.shelters = list(self.instance.plan.shelters.all()) if self.instance.plan else []
        for shelter in self.shelters:
            self.fields[f"shelter_{shelter.pk}"] = forms.IntegerField(
                label=shelter.name, min_value=0, max_value=PEOPLE[1].limit_value, required=False,
                initial=counts.get(shelter.pk, 0), help_text=_("%(n)s places") % {"n": shelter.capacity},
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))

    def shelter_fields(self):
        return [(shelter, self[f"shelter_{shelter.pk}"]) for shelter in self.shelters]

    def occupancy(self):
        return {shelter: self.cleaned_data.get(f"shelter_{shelter.pk}") or 0 for shelter in self.shelters}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            counts = Evacuation(**{name: cleaned.get(name) or 0 for name in self.Meta.fields})
            for name, message in counts.check_counts(sum(self.occupancy().values())).items():
                self.add_error(name, message)
        return cleaned


class ResponsiblePersonForm(forms.ModelForm):
    class Meta:
        model = ResponsiblePerson
        fields = ["name", "unit", "position", "leads_unit", "mobile", "backup_phone", "email", "trained_on", "user",
                  "note"]
        widgets = {"trained_on": DATE, "note": forms.Textarea(attrs={"rows": 2}),
                   "mobile": forms.TextInput(attrs={"inputmode": "tel"}),
                   "backup_phone": forms.TextInput(attrs={"inputmode": "tel"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["user"].label_from_instance = user_label
        self.fields["user"].help_text = _("If they log in to Floodwatch: calls also reach their messages here.")


class ResponsibilityForm(forms.ModelForm):
    """Where a person is responsible: a hazard (by its code), a stretch of river, a village or a works order."""

    hazard = forms.ModelChoiceField(label=_("Hazard code"), queryset=Hazard.objects.all(), to_field_name="code",
                                    required=False, widget=forms.TextInput(attrs={"placeholder": "CBH-001"}))
    work_order = forms.ModelChoiceField(label=_("Works order number"), queryset=WorkOrder.objects.all(), required=False,
                                        widget=forms.NumberInput(attrs={"min": 1}))

    class Meta:
        model = Responsibility
        fields = ["role", "season", "hazard", "river", "start_m", "end_m", "village", "work_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["river"].queryset = River.objects.all()
        self.fields["village"].queryset = Village.objects.select_related("town")
        self.fields["village"].label_from_instance = lambda v: f"{v.town} {v}"
        if not self.instance.pk:
            from ..response import current_season

            self.initial.setdefault("season", current_season())


ResponsibilityFormSet = inlineformset_factory(
    ResponsiblePerson, Responsibility, form=ResponsibilityForm, extra=2, can_delete=True)


class ObstructionOwnerForm(forms.ModelForm):
    class Meta:
        model = ObstructionOwner
        fields = ["name", "contact", "notice_date", "notice_deadline", "forced_clearance", "cost_recovered", "note"]
        widgets = {"notice_date": DATE, "notice_deadline": DATE, "note": forms.Textarea(attrs={"rows": 2})}


class DutyShiftForm(forms.ModelForm):
    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Until"), widget=DATETIME, input_formats=DATETIME_FORMATS)

    class Meta:
        model = DutyShift
        fields = ["starts_at", "ends_at", "leader", "staff"]
        widgets = {"staff": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = User.objects.filter(is_active=True).exclude(groups=None).order_by("username")
        for name in ("leader", "staff"):
            self.fields[name].queryset = users
            self.fields[name].label_from_instance = user_label


class DutyLogForm(forms.ModelForm):
    at = forms.DateTimeField(label=_("Time"), widget=DATETIME, input_formats=DATETIME_FORMATS, required=False,
                             help_text=_("Empty: now."))

    class Meta:
        model = DutyLogEntry
        fields = ["kind", "at", "what", "handled"]
        widgets = {"what": forms.Textarea(attrs={"rows": 2}), "handled": forms.Textarea(attrs={"rows": 2})}

    def clean_at(self):
        at = self.cleaned_data["at"] or timezone.now()
        if at > timezone.now() + timezone.timedelta(minutes=5):
            raise ValidationError(_("The time is in the future."))
        return at


class GaugeReadingForm(forms.ModelForm):
    observed_at = forms.DateTimeField(label=_("Observed at"), widget=DATETIME, input_formats=DATETIME_FORMATS)

    class Meta:
        model = GaugeReading
        fields = ["gauge", "observed_at", "value"]
        widgets = {"value": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gauge"].queryset = Gauge.objects.select_related("river")
        self.fields["gauge"].label_from_instance = lambda g: f"{g.name} ({g.get_kind_display()}, {g.unit})"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("observed_at") and cleaned["observed_at"] > timezone.now() + timezone.timedelta(minutes=5):
            self.add_error("observed_at", _("The time is in the future."))
        if cleaned.get("gauge") and cleaned.get("value") is not None:
            for name, message in GaugeReading(gauge=cleaned["gauge"], value=cleaned["value"]).check_value().items():
                self.add_error(name, message)
        return cleaned


class UploadForm(forms.Form):
    """A spreadsheet (responsible persons) or CSV file (gauge readings), bounded like every import."""

    file = forms.FileField(label=_("File"))

    def __init__(self, *args, accept=".xlsx,.csv", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = accept
        self.accept = accept.split(",")

    def clean_file(self):
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than %(limit)s, the most an import accepts.")
                                  % {"limit": filesizeformat(settings.MAX_IMPORT_BYTES)})
        if not any(upload.name.lower().endswith(suffix) for suffix in self.accept):
            raise ValidationError(_("Upload a file of one of these kinds: %(kinds)s.") % {"kinds": ", ".join(self.accept)})
        return upload
