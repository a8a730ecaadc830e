"""Notifications (issue 13): each event is told once per channel, by e-mail (Django's outbox), by SMS and to group
robots (a real HTTP server on 127.0.0.1 standing in for Tencent Cloud, DingTalk and WeCom: tests/providers.py),
signed as the providers document, batched and kept under their rate limit; failures recorded and retried; a job run
twice sends nothing twice; the bell, the list, one-tap acknowledgement, the settings page."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hazards import jobs, notifications, notify, services
from hazards.models import (
    CitizenReport,
    Delivery,
    Hazard,
    Notice,
    NotificationSettings,
    Open311Client,
    Robot,
    WorkOrder,
)

from . import providers
from .conftest import make_hazard

Kind = Notice.Kind


@pytest.fixture
def provider(settings):
    server, stop = providers.start()
    settings.SMS_PROVIDER, settings.SMS_BASE_URL = "tencent", server.url
    settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY = providers.SMS_ID, providers.SMS_KEY
    settings.SMS_APP_ID, settings.SMS_SIGN_NAME, settings.SMS_TEMPLATE_ID = "1400000001", "通州水务", "100001"
    settings.ROBOT_URL_PREFIXES = [server.url + "/robot/"]
    yield server
    stop()


@pytest.fixture
def people(cast):
    for name in ("engineer", "engineer2", "inspector", "leader"):
        cast[name].email = f"{name}@example.cn"
        cast[name].save()
    return cast


def choose(user, events, channels, phone=""):
    NotificationSettings.objects.update_or_create(user=user, defaults={
        "events": events, "channels": channels, "phone": phone})


def new_order(cast, hazard, engineers=(), deadline=None):
    order = WorkOrder(title="Enlarge the culvert", kind="enlarge_culvert", hazard=hazard,
                      deadline=deadline or timezone.localdate() + datetime.timedelta(days=60))
    return services.work_order_save(order=order, user=cast["admin"], engineers=list(engineers))


@pytest.fixture
def culvert(rivers):
    return make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True, blockage_pct=10)


def sent_so_far(now=None):
    """Send what is waiting (orders assigned), and forget it."""
    notify.deliver_pending(now=now)
    mail.outbox.clear()


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


# Events, each once ---------------------------------------------------------------------------------------

def test_an_engineer_assigned_to_an_order_gets_one_email_from_the_job_and_a_notice_in_the_app(
        people, culvert, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = new_order(people, culvert, [people["engineer"]])
    [sent] = mails_to("engineer@example.cn")
    assert "Enlarge the culvert" in sent.subject and order.get_absolute_url() in sent.body
    notice = Notice.objects.get(user=people["engineer"], kind=Kind.ASSIGNED)
    assert notice.delivered_at is not None and notice.read_at is None
    assert [(d.channel, d.status, d.attempts) for d in notice.deliveries.all()] == [("email", "sent", 1)]

    # Saved again (same engineers), and with a second engineer: only the new one is told.
    with django_capture_on_commit_callbacks(execute=True):
        services.work_order_save(order=order, user=people["admin"], version=order.version,
                                 engineers=[people["engineer"], people["engineer2"]])
    assert len(mails_to("engineer@example.cn")) == 1 and len(mails_to("engineer2@example.cn")) == 1
    notify.deliver_pending()
    jobs.response_timers.enqueue()  # the job run again: nothing goes twice
    assert len(mail.outbox) == 2


def test_a_completed_order_tells_the_inspectors_it_waits_for_acceptance_once(
        people, culvert, django_capture_on_commit_callbacks):
    order = new_order(people, culvert, [people["engineer"]])
    sent_so_far()
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_create(order_id=order.pk, user=people["engineer"], percent=100, version=order.version)
    [sent] = mails_to("inspector@example.cn")
    assert "待验收" in sent.subject  # in the office's language, as the response's messages
    assert not mails_to("engineer@example.cn") and not mails_to("leader@example.cn")  # not their event
    order.refresh_from_db()
    services.progress_update_create(order_id=order.pk, user=people["engineer"], percent=100, version=order.version)
    notify.deliver_pending()
    assert len(mails_to("inspector@example.cn")) == 1


def test_a_new_citizen_report_and_a_likely_duplicate_reach_the_inspectors(
        people, rivers, django_capture_on_commit_callbacks):
    client = Open311Client.objects.create(name="12345", key_hash="x")
    xth = rivers["xiaotaihou"]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.citizen_report_create(client=client, report=CitizenReport(
            service_code="dumped_spoil", location=xth.point_at(2600, offset_m=5), description="Spoil in the river"))
    with django_capture_on_commit_callbacks(execute=True):
        second = services.citizen_report_create(client=client, report=CitizenReport(
            service_code="dumped_spoil", location=xth.point_at(2620, offset_m=5), description="More spoil"))
    kinds = list(Notice.objects.filter(user=people["inspector"]).order_by("id").values_list("kind", flat=True))
    assert kinds == [Kind.CITIZEN_REPORT, Kind.DUPLICATE]
    subjects = [m.subject for m in mails_to("inspector@example.cn")]
    assert len(subjects) == 2 and str(first.pk) in subjects[0] and str(second.pk) in subjects[1]


def test_a_hazard_turned_red_tells_inspectors_and_leaders_once(people, culvert, django_capture_on_commit_callbacks):
    assert culvert.risk_level != Hazard.RiskLevel.MAJOR
    culvert.blockage_pct = 90
    with django_capture_on_commit_callbacks(execute=True):
        services.hazard_save(hazard=culvert, user=people["inspector"], version=culvert.version)
    assert culvert.risk_level == Hazard.RiskLevel.MAJOR
    assert len(mails_to("inspector@example.cn")) == 1 and len(mails_to("leader@example.cn")) == 1
    assert not mails_to("engineer@example.cn")
    culvert.refresh_from_db()
    culvert.title = "Blocked culvert"
    with django_capture_on_commit_callbacks(execute=True):
        services.hazard_save(hazard=culvert, user=people["inspector"], version=culvert.version)  # still red
    assert len(mail.outbox) == 2


def test_a_user_who_chose_otherwise_is_not_told_and_in_app_is_always_there(
        people, culvert, django_capture_on_commit_callbacks):
    choose(people["engineer"], [], ["email"])
    choose(people["engineer2"], [Kind.ASSIGNED], [])
    with django_capture_on_commit_callbacks(execute=True):
        new_order(people, culvert, [people["engineer"], people["engineer2"]])
    assert mail.outbox == []
    assert not Notice.objects.filter(user=people["engineer"]).exists()
    notice = Notice.objects.get(user=people["engineer2"])
    assert notice.deliveries.count() == 0 and notice.delivered_at is not None  # in the app only


# By the clock: due, overdue, acknowledgement, digest -------------------------------------------------------

def test_the_sweep_tells_of_an_order_due_in_seven_days_and_of_an_overdue_one_once_however_often_it_runs(
        people, culvert, rivers):
    today = timezone.localdate()
    due = new_order(people, culvert, [people["engineer"]], deadline=today + datetime.timedelta(days=7))
    late = new_order(people, make_hazard(rivers["xiaotaihou"], 3000), [people["engineer2"]],
                     deadline=today + datetime.timedelta(days=30))
    WorkOrder.objects.filter(pk=late.pk).update(deadline=today - datetime.timedelta(days=2))
    later = new_order(people, make_hazard(rivers["xiaotaihou"], 4000), [people["engineer"]],
                      deadline=today + datetime.timedelta(days=8))
    sent_so_far()
    now = timezone.now()
    for _ in range(3):
        notifications.sweep(now)
        notify.deliver_pending(now=now)
    [soon] = mails_to("engineer@example.cn")
    assert soon.subject.startswith("7 天后到期") and str(due) in soon.subject and str(later) not in soon.subject
    [overdue] = mails_to("engineer2@example.cn")
    assert overdue.subject.startswith("已逾期") and "/notifications/ack/" in overdue.body
    # A new deadline is a new event.
    WorkOrder.objects.filter(pk=due.pk).update(deadline=today + datetime.timedelta(days=6))
    notifications.sweep(now)
    notify.deliver_pending(now=now)
    assert len(mails_to("engineer@example.cn")) == 2


def test_an_overdue_order_is_acknowledged_with_one_tap_or_escalated_to_the_leaders_once(
        people, culvert, client, settings):
    settings.NOTIFY_DIGEST_HOUR = 24  # no digest in this test
    order = new_order(people, culvert, [people["engineer"], people["engineer2"]])
    WorkOrder.objects.filter(pk=order.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    now = timezone.now()
    notifications.sweep(now)
    acked = Notice.objects.get(user=people["engineer"], kind=Kind.OVERDUE)
    ignored = Notice.objects.get(user=people["engineer2"], kind=Kind.OVERDUE)

    url = reverse("hazards:notice-ack", args=[acked.token])
    assert client.get(url).status_code == 200  # a link preview acknowledges nothing
    assert Notice.objects.get(pk=acked.pk).acknowledged_at is None
    assert "Acknowledged at" in client.post(url).content.decode()  # no login: the signed link is the proof
    assert client.get(url[:-3] + "xx/").status_code == 404

    later = now + datetime.timedelta(hours=settings.NOTICE_ACK_HOURS, minutes=1)
    assert notifications.escalate_unacknowledged(now) == []
    sent_so_far(later)
    for _ in range(2):
        notifications.sweep(later)
        notify.deliver_pending(now=later)
    [escalation] = mail.outbox
    assert escalation.to == ["leader@example.cn"] and str(order) in escalation.subject
    assert "Engineer2" in escalation.body
    assert Notice.objects.get(pk=ignored.pk).ack_escalated_at == later
    assert Notice.objects.get(pk=acked.pk).ack_escalated_at is None


def test_leaders_get_one_digest_a_day_from_the_set_hour(people, culvert, settings):
    settings.NOTIFY_DIGEST_HOUR = 7
    today = timezone.localdate()
    early = timezone.make_aware(datetime.datetime.combine(today, datetime.time(6, 30)))
    assert notifications.daily_digest(early) == []
    at_eight = early + datetime.timedelta(hours=1, minutes=30)
    notifications.sweep(at_eight)
    notifications.sweep(at_eight + datetime.timedelta(hours=3))
    notify.deliver_pending(now=at_eight + datetime.timedelta(hours=3))
    [digest] = mails_to("leader@example.cn")
    assert "距汛期还有" in digest.body and "逾期工单：0 个" in digest.body
    assert not mails_to("inspector@example.cn")


# SMS and robots, against the providers' stand-in ------------------------------------------------------------

def test_sms_goes_through_tencent_cloud_signed_with_tc3_hmac_sha256(people, culvert, provider):
    choose(people["engineer"], [Kind.ASSIGNED], ["sms"], phone="138 0000 0101")
    new_order(people, culvert, [people["engineer"]])
    notify.deliver_pending()
    [post] = provider.sms()
    assert post.signature_ok, post.headers.get("authorization")
    assert post.headers["x-tc-version"] == "2021-01-11" and post.headers["x-tc-region"] == "ap-guangzhou"
    assert post.body["PhoneNumberSet"] == ["+8613800000101"] and post.body["SmsSdkAppId"] == "1400000001"
    assert post.body["TemplateId"] == "100001" and post.body["SignName"] == "通州水务"
    subject, link = post.body["TemplateParamSet"]
    assert link.endswith(reverse("hazards:work-order", args=[WorkOrder.objects.get().pk]))
    assert mail.outbox == []  # e-mail not chosen
    notify.deliver_pending()
    assert len(provider.sms()) == 1


def test_a_dingtalk_robot_gets_signed_markdown_with_links_once_per_event_for_its_unit(people, rivers, provider):
    unit = Group.objects.get(name="inspector")
    people["leader"].groups.add(unit)  # two members of the unit are told; the unit's robot once
    Robot.objects.create(name="Inspectors", kind="dingtalk", url=provider.url + "/robot/ding?access_token=abc",
                         secret=providers.DINGTALK_SECRET, group=unit, events=[Kind.RED_HAZARD])
    hazard = make_hazard(rivers["xiaotaihou"], 2500, kind="culvert", in_main_channel=True, blockage_pct=10)
    hazard.blockage_pct = 90
    services.hazard_save(hazard=hazard, user=people["inspector"], version=hazard.version)
    notify.deliver_pending()
    notify.deliver_pending()
    [post] = provider.robot("ding")
    assert post.signature_ok and post.query["access_token"] == ["abc"]
    assert post.body["msgtype"] == "markdown" and hazard.code in post.body["markdown"]["title"]
    assert f"]({hazard.get_absolute_url()}" in post.body["markdown"]["text"].replace("http://127.0.0.1:8000", "")
    assert Delivery.objects.filter(channel="robot").count() == 1


def test_a_wecom_robot_of_ones_own_gets_markdown(people, culvert, provider):
    choose(people["engineer"], [Kind.ASSIGNED], ["robot"])
    Robot.objects.create(name="Mine", kind="wecom", url=provider.url + "/robot/wecom?key=k1", user=people["engineer"])
    new_order(people, culvert, [people["engineer"]])
    notify.deliver_pending()
    [post] = provider.robot("wecom")
    assert post.body["msgtype"] == "markdown" and "Enlarge the culvert" in post.body["markdown"]["content"]
    assert post.signature_ok is None  # WeCom's webhook key is the secret: no signature


def red_hazards(rivers, user, n):
    for i in range(n):
        hazard = make_hazard(rivers["xiaotaihou"], 500 + 150 * i, kind="culvert", in_main_channel=True,
                             blockage_pct=10)
        hazard.blockage_pct = 90
        services.hazard_save(hazard=hazard, user=user, version=hazard.version)


def test_robot_messages_are_batched(people, rivers, provider, settings):
    settings.ROBOT_BATCH_SIZE = 10
    Robot.objects.create(name="Leaders", kind="dingtalk", url=provider.url + "/robot/ding?access_token=abc",
                         group=Group.objects.get(name="leader"), events=[Kind.RED_HAZARD])
    red_hazards(rivers, people["inspector"], 25)
    notify.deliver_pending()
    posts = provider.robot("ding")
    assert len(posts) == 3
    assert [p.body["markdown"]["text"].count("#### ") for p in posts] == [10, 10, 5]
    assert Delivery.objects.filter(channel="robot", status="sent").count() == 25


def test_a_robot_never_gets_more_than_twenty_messages_a_minute(people, rivers, provider, settings):
    settings.ROBOT_BATCH_SIZE = 1
    robot = Robot.objects.create(name="Leaders", kind="wecom", url=provider.url + "/robot/wecom?key=k",
                                 group=Group.objects.get(name="leader"), events=[Kind.RED_HAZARD])
    red_hazards(rivers, people["inspector"], 25)
    now = timezone.now()
    notify.deliver_pending(now=now)
    notify.deliver_pending(now=now + datetime.timedelta(seconds=30))
    assert len(provider.robot("wecom")) == 20
    waiting = Delivery.objects.filter(robot=robot, status="pending")
    assert waiting.count() == 5 and all(d.attempts == 0 for d in waiting)  # waiting is no failure
    notify.deliver_pending(now=now + datetime.timedelta(seconds=61))
    assert len(provider.robot("wecom")) == 25
    assert not Delivery.objects.filter(robot=robot).exclude(status="sent").exists()


# Failures, retries, jobs run twice ------------------------------------------------------------------------

def test_a_failed_sms_is_recorded_and_retried_with_back_off_then_sent_once(people, culvert, provider, settings):
    choose(people["engineer"], [Kind.ASSIGNED], ["sms", "email"], phone="13800000101")
    provider.answers = [(500, {"error": "busy"}),
                        (200, {"Response": {"Error": {"Code": "LimitExceeded.PhoneNumberDailyLimit",
                                                      "Message": "too many"}}})]
    new_order(people, culvert, [people["engineer"]])
    now = timezone.now()
    notify.deliver_pending(now=now)
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.error) == ("pending", 1, "HTTP 500")
    assert sms.next_attempt_at == now + datetime.timedelta(seconds=settings.NOTIFY_RETRY_SECONDS)
    assert Delivery.objects.get(channel="email").status == "sent" and len(mail.outbox) == 1
    notice = Notice.objects.get(kind=Kind.ASSIGNED)
    assert notice.delivered_at is None and notice.last_error == "HTTP 500"

    notify.deliver_pending(now=now + datetime.timedelta(seconds=30))  # not yet
    assert len(provider.sms()) == 1
    second = now + datetime.timedelta(seconds=61)
    notify.deliver_pending(now=second)
    sms.refresh_from_db()
    assert sms.attempts == 2 and sms.error.startswith("LimitExceeded.PhoneNumberDailyLimit")
    assert sms.next_attempt_at == second + datetime.timedelta(seconds=2 * settings.NOTIFY_RETRY_SECONDS)
    third = second + datetime.timedelta(seconds=121)
    notify.deliver_pending(now=third)
    notify.deliver_pending(now=third + datetime.timedelta(hours=1))
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.error) == ("sent", 3, "") and len(provider.sms()) == 3
    assert len(mail.outbox) == 1  # the e-mail went once, whatever the SMS did
    assert Notice.objects.get(pk=notice.pk).delivered_at is not None


def test_a_delivery_that_keeps_failing_gives_up_after_the_set_attempts(people, culvert, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nobody listens
    settings.NOTIFY_MAX_ATTEMPTS = 3
    new_order(people, culvert, [people["engineer"]])
    now = timezone.now()
    for hours in range(6):
        notify.deliver_pending(now=now + datetime.timedelta(hours=hours))
    email = Delivery.objects.get(channel="email")
    assert email.status == "failed" and email.attempts == 3 and email.error


def test_a_delivery_claimed_by_another_sender_is_not_sent_again(people, culvert):
    new_order(people, culvert, [people["engineer"]])
    delivery = Delivery.objects.get(channel="email")
    now = timezone.now()
    assert notify._claim([delivery], now)  # another worker has it, and is sending
    notify.deliver_pending(now=now + datetime.timedelta(minutes=1))
    jobs.response_timers.enqueue()
    assert mail.outbox == []
    # A sender that died while sending: after STALE_SENDING it is taken again, once.
    later = now + Delivery.STALE_SENDING + datetime.timedelta(seconds=1)
    notify.deliver_pending(now=later)
    notify.deliver_pending(now=later)
    assert len(mail.outbox) == 1


# Pages -----------------------------------------------------------------------------------------------------

def test_the_bell_shows_unread_notices_and_the_list_marks_them_read(people, culvert, client):
    new_order(people, culvert, [people["engineer"]])
    order2 = new_order(people, culvert, [people["engineer"]])
    client.force_login(people["engineer"])
    page = client.get(reverse("hazards:my-work-orders")).content.decode()
    assert re.search(r'id="unread-count">2<', page)
    listing = client.get(reverse("hazards:messages")).content.decode()
    assert listing.count("派给您的工单") == 2 and "E-mail: Sent" not in listing
    one = Notice.objects.get(link__endswith=order2.get_absolute_url())
    assert client.post(reverse("hazards:messages"), {"notice": one.pk}).status_code == 302
    assert 'id="unread-count">1<' in client.get(reverse("hazards:messages")).content.decode()
    client.post(reverse("hazards:messages"))
    assert 'id="unread-count"' not in client.get(reverse("hazards:messages")).content.decode()
    other = Notice.objects.filter(user=people["engineer"]).first()
    client.force_login(people["engineer2"])
    client.post(reverse("hazards:messages"), {"notice": other.pk})  # not theirs: nothing happens
    assert "派给您的工单" not in client.get(reverse("hazards:messages")).content.decode()


def test_the_notifications_page_asks_the_database_as_often_for_twenty_as_for_two(people, rivers, client):
    client.force_login(people["inspector"])

    def count():
        client.get(reverse("hazards:messages"))
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("hazards:messages")).status_code == 200
        return len(context)

    red_hazards(rivers, people["leader"], 2)
    few = count()
    red_hazards(rivers, people["leader"], 18)
    assert Notice.objects.filter(user=people["inspector"]).count() == 20
    assert count() == few


def test_the_settings_page_saves_events_channels_phone_and_a_robot(people, client, provider):
    client.force_login(people["engineer"])
    page = client.get(reverse("hazards:notification-settings")).content.decode()
    assert 'value="assigned" checked' in page.replace('  ', ' ') or 'value="assigned"' in page
    url = reverse("hazards:notification-settings")
    answer = client.post(url, {"events": ["assigned", "overdue"], "channels": ["email", "sms", "robot"],
                               "email": "me@example.cn", "phone": "139 0000 0000", "robot_kind": "dingtalk",
                               "robot_url": provider.url + "/robot/ding?access_token=mine", "robot_secret": "SECx"})
    assert answer.status_code == 302
    saved = NotificationSettings.objects.get(user=people["engineer"])
    assert (sorted(saved.events), sorted(saved.channels), saved.phone) == (
        ["assigned", "overdue"], ["email", "robot", "sms"], "139 0000 0000")
    people["engineer"].refresh_from_db()
    assert people["engineer"].email == "me@example.cn"
    assert Robot.objects.get(user=people["engineer"]).secret == "SECx"


@pytest.mark.parametrize("fields, error", [
    ({"robot_kind": "dingtalk", "robot_url": "http://10.0.0.1/admin?x=1"}, "webhook address"),
    ({"channels": ["sms"]}, "mobile phone number"),
    ({"channels": ["email"], "email": ""}, "e-mail address"),
    ({"phone": "call me"}, "phone number"),
])
def test_the_settings_page_refuses_what_cannot_work(people, client, fields, error):
    client.force_login(people["engineer"])
    answer = client.post(reverse("hazards:notification-settings"), {"email": "e@example.cn", **fields})
    assert answer.status_code == 400 and error in answer.content.decode()
    assert 'class="error-summary"' in answer.content.decode()
    assert not NotificationSettings.objects.exists() and not Robot.objects.exists()
