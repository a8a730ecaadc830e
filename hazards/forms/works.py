from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from ..models import Hazard, WorkOrder
from .photos import PhotoField, PhotosForm


class WorkOrderForm(forms.ModelForm):
    """Create or change a work order and assign its engineers (admins)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = WorkOrder
        fields = [
            "title", "kind", "hazard", "river", "start_chainage_m", "end_chainage_m", "responsible_unit",
            "contractor", "engineers", "planned_start", "deadline", "status", "suspended_reason",
        ]
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "engineers": forms.CheckboxSelectMultiple,
            "suspended_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hazard"].queryset = Hazard.objects.select_related("river")
        self.fields["hazard"].help_text = _("Or leave empty and give a river with the chainages of the reach.")
        self.fields["engineers"].queryset = User.objects.filter(groups__name="engineer").order_by("username")
        self.fields["deadline"].help_text = _("Defaults to the start of the flood season.")
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        # Completed comes from progress, accepted from an acceptance on site, and accepted is final.
        previous = self.instance.status if self.instance.pk else None
        self.fields["status"].choices = [
            (v, label) for v, label in WorkOrder.Status.choices if WorkOrder.may_change_status(previous, v)
        ]


class ProgressForm(PhotosForm):
    """An engineer's progress report, from a phone on site."""

    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["capture"] = "environment"


class AcceptanceForm(forms.Form):
    """The site check that closes a completed order."""

    note = forms.CharField(label=_("Findings on site"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = PhotoField(label=_("Photo from the site check"))
    version = forms.IntegerField(widget=forms.HiddenInput)
