"""The events people are told of (issue 13), and who is told: the one place each is decided.

Written where the change happens, in its transaction (services.py calls these): an order assigned (to its new
engineers), an order completed and waiting for acceptance (to inspectors), a new citizen report or a likely
duplicate (to inspectors), a hazard turned red (to inspectors and leaders). Found by `sweep`, from the
background job and `manage.py run_response_timers`: an order due within 7 days and an overdue one (to its
engineers; overdue asks for an acknowledgement), an acknowledgement not given in NOTICE_ACK_HOURS (to the
leaders), the leaders' daily digest. Each event has a key (what, which object, which deadline or day), and
notify.notice writes at most one notice per user and key: the sweep may run early, late or twice.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import notify, roles, season
from .models import CitizenReport, Hazard, Notice, WorkOrder

Kind = Notice.Kind
DUE_SOON_DAYS = 7


def users_with_role(*names):
    return list(User.objects.filter(is_active=True, groups__name__in=names).distinct().order_by("username"))


def _tell(users, *, kind, subject, body, link, event, now=None, needs_ack=False):
    """One notice each (in the office's language, as the response's are), sent after the transaction commits."""
    notices = [notify.notice(kind=kind, subject=subject, body=body, user=user, link=link, event=event, now=now,
                             needs_ack=needs_ack) for user in users]
    notices = [found for found in notices if found is not None]
    notify.send_after_commit(notices)
    return notices


def _site(url):
    return settings.SITE_URL + url


def _order_text(order):
    place = order.hazard.code if order.hazard_id else (order.river.name if order.river_id else "")
    return _("%(order)s (%(place)s), deadline %(deadline)s, %(percent)s %% done") % {
        "order": order, "place": place, "deadline": order.deadline.isoformat(), "percent": order.progress_pct}


def order_assigned(order, engineers, now=None):
    """The engineers newly assigned to an order are told so."""
    today = timezone.localdate(now) if now else timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return _tell(engineers, kind=Kind.ASSIGNED, now=now, link=_site(order.get_absolute_url()),
                     event=f"assigned:o{order.pk}:{today}",
                     subject=_("Work order assigned to you: %(order)s") % {"order": order},
                     body=_order_text(order))


def order_completed(order, now=None):
    """A completed order waits for its site check: the inspectors are told (none who worked on it)."""
    workers = set(order.engineers.values_list("pk", flat=True))
    inspectors = [user for user in users_with_role(roles.INSPECTOR) if user.pk not in workers]
    today = timezone.localdate(now) if now else timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return _tell(inspectors, kind=Kind.COMPLETED, now=now, link=_site(order.get_absolute_url()),
                     event=f"completed:o{order.pk}:{today}",
                     subject=_("Completed, waiting for acceptance: %(order)s") % {"order": order},
                     body=_order_text(order))


def citizen_report_received(report):
    """A new 12345 report (or a likely duplicate of a hazard or report) is in the inspectors' queue."""
    duplicate = bool(report.duplicate_hazard_id or report.duplicate_report_id)
    with translation.override(settings.LANGUAGE_CODE):
        subject = (_("Citizen report %(report)s: likely a duplicate") if duplicate
                   else _("New citizen report %(report)s")) % {"report": report}
        body = "\n".join(part for part in (report.address_string or "", report.description,
                                           report.duplicate_note) if part)
        return _tell(users_with_role(roles.INSPECTOR), kind=Kind.DUPLICATE if duplicate else Kind.CITIZEN_REPORT,
                     subject=subject, body=body, link=_site(report.get_absolute_url()), event=f"citizen:r{report.pk}")


def hazard_turned_red(hazard, now=None):
    """A hazard whose risk became major (red): inspectors and leaders."""
    today = timezone.localdate(now) if now else timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return _tell(users_with_role(roles.INSPECTOR, roles.LEADER), kind=Kind.RED_HAZARD, now=now,
                     link=_site(hazard.get_absolute_url()), event=f"red:h{hazard.pk}:{today}",
                     subject=_("Hazard turned red: %(code)s %(title)s") % {"code": hazard.code, "title": hazard.title},
                     body=_("%(river)s, chainage %(km).1f km. %(reason)s") % {
                         "river": hazard.river.name, "km": hazard.chainage_m / 1000,
                         "reason": hazard.risk_override_reason or ""})


def notice_acknowledge(*, notice_id, now=None):
    """One tap on a notice that asked for an answer. True if this tap acknowledged it; a second changes nothing."""
    now = now or timezone.now()
    return bool(Notice.objects.filter(pk=notice_id, ack_by__isnull=False, acknowledged_at=None).update(
        acknowledged_at=now, read_at=now))


# What the sweep finds ------------------------------------------------------------------------------------

def sweep(now=None):
    """Everything due by the clock, each once: {what: notices written}."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        return {"due": len(orders_due(now)), "overdue": len(orders_overdue(now)),
                "unacknowledged": len(escalate_unacknowledged(now)), "digest": len(daily_digest(now))}


def _open_orders():
    return (WorkOrder.objects.exclude(status__in=[*WorkOrder.DONE_STATUSES, WorkOrder.Status.SUSPENDED])
            .select_related("hazard", "river").prefetch_related("engineers"))


def _each_engineer(orders, event_of):
    """(order, engineer, event) not yet told, reading the keys already written at once."""
    pairs = [(order, user, event_of(order)) for order in orders for user in order.engineers.all()]
    told = set(Notice.objects.filter(key__in=[f"{event}:u{user.pk}" for _o, user, event in pairs])
               .values_list("key", flat=True))
    return [(order, user, event) for order, user, event in pairs if f"{event}:u{user.pk}" not in told]


def orders_due(now):
    today = timezone.localdate(now)
    orders = _open_orders().filter(deadline__gte=today, deadline__lte=today + datetime.timedelta(DUE_SOON_DAYS))
    notices = []
    for order, user, event in _each_engineer(orders, lambda o: f"due:o{o.pk}:{o.deadline}"):
        days = (order.deadline - today).days
        with transaction.atomic():
            notices += _tell([user], kind=Kind.DUE_SOON, now=now, event=event,
                             link=_site(order.get_absolute_url()),
                             subject=_("Due in %(days)s days: %(order)s") % {"days": days, "order": order},
                             body=_order_text(order))
    return notices


def orders_overdue(now):
    today = timezone.localdate(now)
    notices = []
    for order, user, event in _each_engineer(_open_orders().filter(deadline__lt=today),
                                             lambda o: f"overdue:o{o.pk}:{o.deadline}"):
        with transaction.atomic():
            notices += _tell([user], kind=Kind.OVERDUE, now=now, event=event, needs_ack=True,
                             link=_site(order.get_absolute_url()),
                             subject=_("Overdue: %(order)s") % {"order": order},
                             body=_order_text(order) + "\n\n" + _(
                                 "Acknowledge with one tap on the link below. Unacknowledged after %(hours)s hours, "
                                 "this goes to the leaders.") % {"hours": settings.NOTICE_ACK_HOURS})
    return notices


def escalate_unacknowledged(now):
    """Notices unacknowledged past their time go to the leaders, each once (claimed by a conditional UPDATE)."""
    notices = []
    due = Notice.objects.filter(acknowledged_at=None, ack_escalated_at=None, ack_by__lte=now).select_related("user")
    for pending in list(due[:500]):
        with transaction.atomic():
            if not Notice.objects.filter(pk=pending.pk, acknowledged_at=None, ack_escalated_at=None).update(
                    ack_escalated_at=now):
                continue
            name = pending.user.get_full_name() or pending.user.username if pending.user else "—"
            notices += _tell(users_with_role(roles.LEADER), kind=Kind.ESCALATION, now=now,
                             event=f"ack:n{pending.pk}", link=pending.link,
                             subject=_("Not acknowledged: %(subject)s") % {"subject": pending.subject},
                             body=_("%(name)s has not acknowledged this within %(hours)s hours:\n\n%(body)s") % {
                                 "name": name, "hours": settings.NOTICE_ACK_HOURS, "body": pending.body})
    return notices


def daily_digest(now):
    """From NOTIFY_DIGEST_HOUR, once a day, each leader: what changed in a day, what is overdue, days left."""
    local = timezone.localtime(now)
    today = local.date()
    leaders = users_with_role(roles.LEADER)
    event = f"digest:{today}"
    told = set(Notice.objects.filter(key__in=[f"{event}:u{u.pk}" for u in leaders]).values_list("key", flat=True))
    leaders = [user for user in leaders if f"{event}:u{user.pk}" not in told]
    if local.hour < settings.NOTIFY_DIGEST_HOUR or not leaders:
        return []
    with transaction.atomic():
        return _tell(leaders, kind=Kind.DIGEST, now=now, event=event, subject=_("Floodwatch daily digest, %(day)s")
                     % {"day": today.isoformat()}, body=digest_text(now), link=_site(reverse("hazards:work-orders"))
                     + "?overdue=true")


def digest_text(now):
    day_ago = now - datetime.timedelta(days=1)
    today = timezone.localdate(now)
    overdue = list(WorkOrder.objects.filter(deadline__lt=today).exclude(
        status__in=[*WorkOrder.DONE_STATUSES, WorkOrder.Status.SUSPENDED]).order_by("deadline", "id")[:11])
    lines = [
        _("%(days)s days to the flood season.") % {"days": season.days_to_flood_season(today)},
        _("In the last day: %(new)s hazards reported, %(changed)s changed, %(done)s orders completed, "
          "%(reports)s citizen reports.") % {
            "new": Hazard.objects.filter(created_at__gte=day_ago).count(),
            "changed": Hazard.objects.filter(updated_at__gte=day_ago, created_at__lt=day_ago).count(),
            "done": WorkOrder.objects.filter(status=WorkOrder.Status.COMPLETED, updated_at__gte=day_ago).count(),
            "reports": CitizenReport.objects.filter(Q(received_at__gte=day_ago)).count()},
        _("Open red hazards: %(n)s.") % {"n": Hazard.objects.filter(
            risk_level=Hazard.RiskLevel.MAJOR, status__in=Hazard.OPEN_STATUSES).count()},
        _("Overdue work orders: %(n)s.") % {"n": WorkOrder.objects.overdue().exclude(
            status=WorkOrder.Status.SUSPENDED).count()},
    ]
    lines += [f"- {order} ({order.deadline.isoformat()})" for order in overdue[:10]]
    return "\n".join(lines)
