"""The offline queue's settings and words, for every page of a logged-in user (static/js/offline.js)."""

from django import template
from django.urls import reverse
from django.utils.html import json_script
from django.utils.translation import gettext as _

from .. import roles

register = template.Library()


def warm_urls(user):
    """The field pages this user opens offline, and the data the map draws from: fetched once online."""
    urls = [reverse("hazards:map"), reverse("hazards:api-rivers"), reverse("hazards:api-district"),
            reverse("hazards:api-hazards") + "?open=true", reverse("hazards:api-work-orders") + "?reach=true",
            reverse("hazards:patrols")]
    if roles.has_role(user, roles.INSPECTOR):
        urls += [reverse("hazards:create"), reverse("hazards:patrol-create")]
    if roles.has_role(user, roles.ENGINEER):
        urls.append(reverse("hazards:my-work-orders"))
    return urls


@register.simple_tag(takes_context=True)
def offline_config(context):
    request = context["request"]
    return json_script({
        "user": request.user.username,
        "worker": reverse("hazards:service-worker"),
        "uploadUrl": reverse("hazards:photo-upload", args=["00000000-0000-0000-0000-000000000000"]),
        "warm": warm_urls(request.user),
        "text": {
            "waiting": _("Waiting to send"), "sending": _("Sending…"), "sent": _("Sent"),
            "conflict": _("Needs you: changed meanwhile"), "refused": _("Needs you: not accepted"),
            "queued": _("Kept on this phone: it will be sent when the connection is back."),
            "keep": _("Keep on this phone, send later"),
            "count": _("%(n)s waiting to send"), "countNone": _("Nothing waiting to send"),
            "needsYou": _("%(n)s need you"),
            "hazard": _("Hazard report"), "progress": _("Progress update"), "patrol": _("Patrol"),
            "resend": _("Send again on the current version"), "sendAnyway": _("Not the same: send anyway"),
            "discard": _("Discard"), "open": _("Open the page"), "openDuplicate": _("Open %(code)s"),
            "confirmDiscard": _("Discard this for good? It was never saved on the server."),
            "now": _("Now: %(pct)s %%, %(status)s."), "loginAgain": _("Log in again to send what is waiting."),
            "otherUser": _("Saved by %(user)s: sent when they log in."),
            "photos": _("%(n)s photo(s)"), "sentLink": _("See it"),
            "recording": _("Recording your track: %(n)s points."), "recordStart": _("Record my track"),
            "recordStop": _("Stop recording"),
        },
    }, "offline-config")
