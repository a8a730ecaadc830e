"""Sending notices: the one place a message leaves Floodwatch.

A notice is written to the database (models.Notice) in the same transaction as what caused it (a call, an
escalation, an order assigned, a hazard turned red: notifications.py), with one Delivery row per channel it
must go by: it is the user's in-app message and the outbox at once. Which channels: the user's choice on their
notification settings page (e-mail, SMS, their own group robot) for the events they chose, and the group robots
of their units that chose the event (one message per event however many members were told). The flood
response's messages and those that need an answer always go by e-mail and SMS where there is an address.

`deliver_pending` then sends what is due, from a background job (jobs.response_timers, enqueued when notices
are committed, and `manage.py run_response_timers` as the sweep), never from a request. Each delivery is claimed
by a conditional UPDATE before it is sent, so a job run twice or two workers at once never send one twice; a
process killed between claiming and sending leaves it to be claimed again after Delivery.STALE_SENDING (it may
then go twice, never not at all). A failure is recorded on its Delivery and tried again after
NOTIFY_RETRY_SECONDS, doubling, NOTIFY_MAX_ATTEMPTS times. Robot messages are batched (ROBOT_BATCH_SIZE notices
in one) and kept under ROBOT_MESSAGES_PER_MINUTE per robot: a slot is taken, under a lock on the robot's row,
before each post.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from . import channels, roles
from .models import Channel, Delivery, Notice, NotificationSettings, Robot
from .models.notifications import ALWAYS

logger = logging.getLogger(__name__)
Kind = Notice.Kind
# What each role is told of until its user chooses otherwise.
DEFAULT_EVENTS = {
    roles.ENGINEER: [Kind.ASSIGNED, Kind.DUE_SOON, Kind.OVERDUE],
    roles.INSPECTOR: [Kind.COMPLETED, Kind.CITIZEN_REPORT, Kind.DUPLICATE, Kind.RED_HAZARD],
    roles.LEADER: [Kind.RED_HAZARD, Kind.DIGEST],
    roles.ADMIN: [],
}
DEFAULT_CHANNELS = [Channel.EMAIL]


class Choices:
    """A user's notification settings, or their roles' defaults."""

    def __init__(self, user):
        saved = NotificationSettings.objects.filter(user=user).first() if user else None
        if saved is not None:
            self.events, self.channels, self.phone = set(saved.events), set(saved.channels), saved.phone
        else:
            mine = roles.roles_of(user) if user else ()
            self.events = {event for role in mine for event in DEFAULT_EVENTS.get(role, ())}
            self.channels, self.phone = set(DEFAULT_CHANNELS), ""

    def wants(self, kind):
        return kind in ALWAYS or kind in self.events


def notice(*, kind, subject, body, person=None, user=None, link="", call_out=None, now=None, event="",
           needs_ack=False):
    """Write a notice to a person (their e-mail and phone, and their user's in-app list) or to a user, with its
    deliveries. With `event` (what happened to what, and when: notifications.py), at most one notice per user
    and event: None if there already is one, or if the user did not choose this kind of event."""
    user = user or (person.user if person else None)
    choices = Choices(user)
    if not choices.wants(kind):
        return None
    now = now or timezone.now()
    key = f"{event}:u{user.pk if user else 'p' + str(person.pk)}" if event else None
    email = (person.email if person else "") or (user.email if user else "")
    try:
        with transaction.atomic():
            created = Notice.objects.create(
                kind=kind, person=person, user=user, email=email, subject=subject[:200], body=body, link=link,
                call_out=call_out, created_at=now, key=key,
                ack_by=now + datetime.timedelta(hours=settings.NOTICE_ACK_HOURS) if needs_ack else None)
            _outbox(created, choices, person=person, event=event, now=now)
    except IntegrityError:
        if key and Notice.objects.filter(key=key).exists():
            return None  # told already: the event is sent once
        raise
    return created


def _outbox(created, choices, *, person, event, now):
    """The deliveries of a new notice: one per channel, unique by their key."""
    must = created.kind in ALWAYS or created.needs_ack
    phone = (person.mobile if person else "") or choices.phone
    rows = []
    if created.email and (must or Channel.EMAIL in choices.channels):
        rows.append(Delivery(channel=Channel.EMAIL, address=created.email, key=f"email:{created.pk}"))
    if phone and channels.sms_provider() and (must or Channel.SMS in choices.channels):
        rows.append(Delivery(channel=Channel.SMS, address=phone, key=f"sms:{created.pk}"))
    if event and created.user_id:
        for robot in _robots_for(created, choices):
            key = f"robot:{robot.pk}:{event}"
            if not Delivery.objects.filter(key=key).exists():  # a unit's robot: once per event
                rows.append(Delivery(channel=Channel.ROBOT, robot=robot, key=key))
    for row in rows:
        row.notice, row.next_attempt_at = created, now
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)  # a unit robot told of the event by another writer


def _robots_for(created, choices):
    found = [robot for robot in Robot.objects.filter(group__user=created.user_id).distinct()
             if created.kind in robot.events]
    if Channel.ROBOT in choices.channels:
        found += list(Robot.objects.filter(user=created.user_id))
    return found


def send_after_commit(notices, *, escalate_at=None):
    """Once the notices are committed, the job worker sends them (jobs.response_timers); with `escalate_at`, it
    comes back then to escalate the calls still unconfirmed."""
    from . import jobs

    if any(notices):
        transaction.on_commit(jobs.schedule_response_timers)
    if escalate_at is not None:
        transaction.on_commit(lambda: jobs.schedule_response_timers(at=escalate_at))


# Sending ------------------------------------------------------------------------------------------------

def deliver_pending(ids=None, now=None):
    """Send the deliveries that are due (of the notices `ids`, or all); returns how many notices are now fully
    delivered."""
    now = now or timezone.now()
    due = Delivery.objects.due(now).select_related("notice", "robot").order_by("id")
    if ids is not None:
        due = due.filter(notice__in=ids)
    by_robot = {}
    for delivery in due[:1000]:
        if delivery.channel == Channel.ROBOT:
            by_robot.setdefault(delivery.robot_id, []).append(delivery)
        elif _claim([delivery], now):
            _send_one(delivery, now)
    for deliveries in by_robot.values():
        _send_to_robot(deliveries, now)
    _retry_later()
    return _close(ids, now)


def _claim(deliveries, now):
    """The deliveries this sender took: a conditional UPDATE each, so that no other sender sends them."""
    stale = now - Delivery.STALE_SENDING
    claimed = []
    for delivery in deliveries:
        taken = Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).filter(
            Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale),
        ).update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if taken:
            delivery.attempts += 1
            claimed.append(delivery)
    return claimed


def _send_one(delivery, now):
    notice = delivery.notice
    link = notice.ack_url() if notice.needs_ack else notice.link
    try:
        if delivery.channel == Channel.EMAIL:
            channels.email(delivery.address, notice, link)
        else:
            provider = channels.sms_provider()
            if provider is None:
                raise channels.ChannelError("SMS_PROVIDER is not set")
            provider.send(delivery.address, notice, link)
    except Exception as error:  # any provider's failure: recorded, tried again
        _failed([delivery], error, now)
    else:
        _sent([delivery], now)


def _send_to_robot(deliveries, now):
    """The robot's deliveries in batches, one message each, as long as the provider's limit allows."""
    robot, size = deliveries[0].robot, max(1, settings.ROBOT_BATCH_SIZE)
    for start in range(0, len(deliveries), size):
        free_at = take_robot_slot(robot, now)
        if free_at is not None:  # the limit is reached: the rest wait, no attempt counted
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries[start:]], status=Delivery.Status.PENDING).update(
                next_attempt_at=free_at)
            return
        batch = _claim(deliveries[start:start + size], now)
        if not batch:
            continue
        try:
            channels.post_to_robot(robot, [delivery.notice for delivery in batch])
        except Exception as error:
            _failed(batch, error, now)
        else:
            _sent(batch, now)


def take_robot_slot(robot, now):
    """Count a post to the robot, if fewer than ROBOT_MESSAGES_PER_MINUTE went in the last minute: None; else
    the time a slot frees. The robot's row is written first, so that senders at once take slots one by one."""
    with transaction.atomic():
        Robot.objects.filter(pk=robot.pk).update(name=F("name"))  # the row lock (SQLite: the write lock)
        posts = Robot.objects.filter(pk=robot.pk).values_list("recent_posts", flat=True).first() or []
        minute_ago = now.timestamp() - 60
        recent = sorted(t for t in posts if t > minute_ago)
        if len(recent) >= settings.ROBOT_MESSAGES_PER_MINUTE:
            return datetime.datetime.fromtimestamp(recent[0] + 60.5, datetime.UTC)
        Robot.objects.filter(pk=robot.pk).update(recent_posts=[*recent, now.timestamp()])
    return None


def _sent(deliveries, now):
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(status=Delivery.Status.SENT, sent_at=now,
                                                                      error="")


def _failed(deliveries, error, now):
    logger.warning("Not delivered (%s): %s", ", ".join(str(d.pk) for d in deliveries), error)
    text = (str(error) or error.__class__.__name__)[:300]
    for delivery in deliveries:
        if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            status, later = Delivery.Status.FAILED, now
        else:
            status = Delivery.Status.PENDING
            later = now + datetime.timedelta(seconds=settings.NOTIFY_RETRY_SECONDS * 2 ** (delivery.attempts - 1))
        Delivery.objects.filter(pk=delivery.pk).update(status=status, error=text, next_attempt_at=later)
        Notice.objects.filter(pk=delivery.notice_id).update(last_error=text, attempts=delivery.attempts)


def _retry_later():
    """Come back when the first delivery waiting for a retry is due (where the job backend can wait)."""
    from . import jobs

    first = Delivery.objects.filter(status=Delivery.Status.PENDING, attempts__gt=0).aggregate(
        at=Min("next_attempt_at"))["at"]
    if first is not None:
        jobs.schedule_response_timers(at=first)


def _close(ids, now):
    """Mark delivered the notices with every delivery sent (or none to make); returns how many."""
    open_notices = Notice.objects.filter(delivered_at=None).exclude(
        deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.FAILED])
    if ids is not None:
        open_notices = open_notices.filter(pk__in=ids)
    return Notice.objects.filter(pk__in=list(open_notices.values_list("pk", flat=True)[:5000])).update(
        delivered_at=now, last_error="")

