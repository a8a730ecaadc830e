"""The notification settings a user keeps on their profile page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Channel, NotificationSettings, Robot
from ..models.notifications import EVENTS, check_robot_url


class NotificationSettingsForm(forms.ModelForm):
    """Events, channels, phone, e-mail, and the user's own group robot (if they want one)."""

    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    events = forms.MultipleChoiceField(label=_("Tell me when"), required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[(event.value, event.label) for event in EVENTS])
    channels = forms.MultipleChoiceField(label=_("Send by"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=Channel.choices)
    robot_kind = forms.ChoiceField(label=_("Kind of robot"), required=False,
                                   choices=[("", "—"), *Robot.Kind.choices])
    robot_url = forms.CharField(label=_("Webhook address"), required=False, max_length=500,
                                validators=[check_robot_url], widget=forms.URLInput)
    robot_secret = forms.CharField(label=_("Signing secret (DingTalk)"), required=False, max_length=100)

    class Meta:
        model = NotificationSettings
        fields = ["phone", "events", "channels"]

    def clean(self):
        data = super().clean()
        channels = set(data.get("channels") or [])
        if Channel.SMS in channels and not data.get("phone"):
            self.add_error("phone", _("Give a mobile phone number to be told by SMS."))
        if Channel.EMAIL in channels and not data.get("email"):
            self.add_error("email", _("Give an e-mail address to be told by e-mail."))
        if bool(data.get("robot_kind")) != bool(data.get("robot_url")):
            self.add_error("robot_url", _("Choose the robot's kind and paste its webhook address, or neither."))
        if Channel.ROBOT in channels and not data.get("robot_url"):
            self.add_error("robot_url", _("Paste your group robot's webhook address to be told there."))
        return data

    def robot_fields(self):
        """(kind, url, secret) of the user's own robot, or None to have none."""
        data = self.cleaned_data
        if not data.get("robot_url"):
            return None
        return data["robot_kind"], data["robot_url"], data.get("robot_secret", "")

