"""Notifications: the list behind the bell (mark read, acknowledge), the one-tap acknowledgement link, and each
user's notification settings."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import notifications, services
from ..forms.notifications import NotificationSettingsForm
from ..models import Delivery, Notice, NotificationSettings, Robot
from ..roles import role_or_person_required

PAGE = 200


@role_or_person_required
def notification_list(request):
    """The user's notices, newest first; POST marks one (`notice`) or all read."""
    mine = Notice.objects.filter(user=request.user)
    if request.method == "POST":
        unread = mine.filter(read_at=None)
        if request.POST.get("notice", "").isdigit():
            unread = unread.filter(pk=int(request.POST["notice"]))
        unread.update(read_at=timezone.now())
        return redirect("hazards:messages")
    notices = list(mine.select_related("call_out").prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("id")))[:PAGE])
    return render(request, "notifications/list.html", {
        "notices": notices, "unread": sum(1 for notice in notices if notice.read_at is None)})


def notice_ack(request, token):
    """The link in a notice that asks for an answer: one button (a link preview confirms nothing); no login, the
    signed link is the proof."""
    notice = Notice.from_token(token)
    if notice is None:
        raise Http404
    if request.method == "POST" and notifications.notice_acknowledge(notice_id=notice.pk):
        notice.refresh_from_db()
    return render(request, "notifications/ack.html", {"notice": notice})


@role_or_person_required
def notification_settings(request):
    saved = NotificationSettings.objects.filter(user=request.user).first()
    robot = Robot.objects.filter(user=request.user).first()
    initial = {"email": request.user.email}
    if robot:
        initial.update(robot_kind=robot.kind, robot_url=robot.url, robot_secret=robot.secret)
    if saved is None:
        from ..notify import Choices

        defaults = Choices(request.user)
        initial.update(events=sorted(defaults.events), channels=sorted(defaults.channels))
    form = NotificationSettingsForm(request.POST if request.method == "POST" else None, instance=saved, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.notification_settings_save(user=request.user, form=form)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("hazards:notification-settings")
        return render(request, "notifications/settings.html", {"form": form}, status=400)
    return render(request, "notifications/settings.html", {"form": form})
