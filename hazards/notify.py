"""Sending notices: the one place a message leaves Floodwatch.

A notice is written to the database (models.Notice) in the same transaction as
what caused it (a call, an escalation, a suggested warning): it is the user's
in-app message and the outbox at once. `deliver_pending` then hands each notice
not yet delivered to every channel in CHANNELS: e-mail through Django's mail
today. The notification issue adds SMS and group robots by appending a function
`channel(notice)` to CHANNELS; it raises to say the notice did not go.

Delivery is retried by `manage.py run_response_timers` (MAX_ATTEMPTS times). A
notice is claimed by a conditional UPDATE before it is sent, so two senders never
send one notice at once; a process killed between claiming and sending leaves it
to the next round (a notice may then go twice, never not at all).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone

from .models import Notice

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def email_channel(notice):
    """E-mail, when the notice has an address."""
    if notice.email:
        body = notice.body + (f"\n\n{notice.link}" if notice.link else "")
        send_mail(notice.subject, body, settings.DEFAULT_FROM_EMAIL, [notice.email])


CHANNELS = [email_channel]


def deliver(notice):
    """Send one notice on every channel; raises if one fails."""
    for channel in CHANNELS:
        channel(notice)


def deliver_pending(ids=None, now=None):
    """Send the notices not yet delivered (or those of `ids`); returns how many went."""
    pending = Notice.objects.filter(delivered_at=None, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    sent = 0
    for notice in pending.order_by("created_at", "id")[:500]:
        claimed = Notice.objects.filter(pk=notice.pk, delivered_at=None, attempts=notice.attempts).update(
            attempts=F("attempts") + 1)
        if not claimed:
            continue  # another sender has it
        try:
            deliver(notice)
        except Exception as error:  # any channel's failure: kept for the next round, said on the board
            logger.warning("Notice %s not delivered: %s", notice.pk, error)
            Notice.objects.filter(pk=notice.pk).update(last_error=str(error)[:300])
            continue
        Notice.objects.filter(pk=notice.pk).update(delivered_at=now or timezone.now(), last_error="")
        sent += 1
    return sent
