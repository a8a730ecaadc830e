"""Warnings and response levels: declaring, the checklist of each level, calls (叫应) confirmed with one tap or
escalated after the set time, with a controlled clock; escalation exactly once, across runners and restarts."""

import datetime
import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hazards import notify, services
from hazards.models import CallOut, ChecklistItem, Declaration, DutyLogEntry, Notice

from .flood import declare
from .jobs import _database_env, worker_backend

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def t0(flood):
    """The clock the tests turn by hand: a minute into the shift under way."""
    return flood.shift.starts_at + MINUTE


def calls_of(declaration):
    return {call.person.name: call for call in declaration.call_outs.select_related("person")}


def test_the_person_on_duty_declares_an_orange_warning_and_everyone_responsible_gets_a_link(
        flood, client_as, django_capture_on_commit_callbacks):
    client = client_as("inspector")  # on the shift under way: may declare
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hazards:declare"), {"warning": "orange", "scope": "river",
                                                             "river": flood.chaobai.pk, "note": "Miyun releasing"})
    assert response.status_code == 302
    declaration = Declaration.objects.get(ended_at=None)
    assert (declaration.warning, declaration.response_level, declaration.declared_by) == ("orange", 2,
                                                                                         flood.cast["inspector"])
    # The open red and orange Chaobai hazards' people (by their stretch) and Baimiao's; Wu and Feng lead units only.
    calls = calls_of(declaration)
    assert set(calls) == {"Zhou", "Zheng", "Ma", "Lead"}
    assert "Trees in the channel at Baimiao" in calls["Zhou"].reasons and "Baimiao" in calls["Lead"].reasons
    assert sorted(m.to[0] for m in mail.outbox) == ["lead@example.cn", "ma@example.cn", "zheng@example.cn",
                                                    "zhou@example.cn"]
    to_ma = next(m for m in mail.outbox if m.to == ["ma@example.cn"])
    link = to_ma.body.split(settings.SITE_URL)[-1].strip()
    assert link.startswith("/response/confirm/") and "15" in to_ma.body
    assert CallOut.from_token(link.split("/")[3]) == calls["Ma"]  # the link names Ma's call, and only it
    assert Notice.objects.get(user=flood.lead_user).call_out == calls["Lead"]  # and in the lead's messages
    page = client.get(reverse("hazards:response")).content.decode()
    assert page.count('class="state state-waiting"') == 4


def test_each_level_copies_its_checklist_which_admins_may_change_for_the_next_declarations(flood, client_as):
    first = declare(flood, warning="orange")
    texts = [action.text_en for action in first.actions.all()]
    assert texts == ["Raise patrols to every four hours",
                     "Call the responsible persons of the points, stretches and villages, and have every one confirm",
                     "Evacuate the villages whose plan triggers at this level: everyone who must move is moved",
                     "Put the rescue teams on standby"]
    assert declare(flood, warning="blue", scope="district").actions.first().text_en == "Raise patrols to once a day"
    ChecklistItem.objects.create(response_level=2, position=9, text_zh="开放避险场所", text_en="Open the shelters")
    again = declare(flood, warning="orange")
    assert again.actions.last().text_en == "Open the shelters" and first.actions.count() == 4


def test_an_action_is_ticked_with_who_and_when(flood, client_as):
    declaration = declare(flood)
    action = declaration.actions.first()
    response = client_as("inspector").post(reverse("hazards:action-tick", args=[action.pk]),
                                           {"done": "on", "note": "Two patrol teams out"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_by == flood.cast["inspector"] and action.done_at and action.note == "Two patrol teams out"
    page = client_as("engineer").get(reverse("hazards:response")).content.decode()
    assert "✓ Raise patrols to every four hours" in page and "Two patrol teams out" in page


def test_a_new_declaration_for_the_same_river_replaces_the_current_one_and_the_history_keeps_both(flood, client_as, t0):
    orange = declare(flood, warning="orange", now=t0)
    red = declare(flood, warning="red", now=t0 + 60 * MINUTE, user=flood.cast["leader"])
    district = declare(flood, warning="blue", scope="district", now=t0 + 61 * MINUTE)
    orange.refresh_from_db()
    assert orange.ended_at == t0 + 60 * MINUTE and red.replaces == orange and red.is_current and district.is_current
    history = client_as("engineer").get(reverse("hazards:declarations")).content.decode().split("<tbody>")[1]
    assert history.count("Red warning") == 1 and history.count("Orange warning") == 1 and "in force" in history
    # People already called for orange are called again for red: a new level is a new call.
    assert set(calls_of(red)) == {"Zhou", "Zheng", "Ma", "Lead"}


def test_a_tap_on_the_link_shows_a_button_and_only_the_button_confirms(flood, client, t0):
    declaration = declare(flood, now=t0)
    call = calls_of(declaration)["Ma"]
    url = reverse("hazards:call-out-confirm", args=[call.token])
    page = client.get(url)  # no login: the signed link is the proof
    assert page.status_code == 200 and "I have received this warning" in page.content.decode()
    call.refresh_from_db()
    assert call.confirmed_at is None  # a mail client's link preview confirms nothing
    assert "Confirmed at" in client.post(url).content.decode()
    first = CallOut.objects.get(pk=call.pk).confirmed_at
    client.post(url)
    assert CallOut.objects.get(pk=call.pk).confirmed_at == first
    forged = call.token[:-2] + ("AA" if not call.token.endswith("AA") else "BB")
    assert client.get(reverse("hazards:call-out-confirm", args=[forged])).status_code == 404


def test_a_call_unconfirmed_after_the_set_time_is_escalated_once_to_the_unit_leader_and_the_people_on_duty(flood, t0):
    declaration = declare(flood, now=t0)
    calls = calls_of(declaration)
    for name, minutes in (("Zhou", 3), ("Zheng", 5), ("Lead", 9)):
        assert services.call_out_confirm(call_out_id=calls[name].pk, now=t0 + minutes * MINUTE)

    assert services.escalate_due(t0 + 15 * MINUTE - datetime.timedelta(seconds=1)) == []
    escalated = services.escalate_due(t0 + settings.CALL_CONFIRM_MINUTES * MINUTE)
    assert [call.person.name for call in escalated] == ["Ma"]
    assert services.escalate_due(t0 + 16 * MINUTE) == [] and services.escalate_due(t0 + 600 * MINUTE) == []

    ma = CallOut.objects.get(pk=calls["Ma"].pk)
    assert ma.escalated_at == t0 + 15 * MINUTE and ma.escalated_to == "Wu, Leader, Inspector"
    notices = Notice.objects.filter(kind=Notice.Kind.ESCALATION)
    assert sorted(str(n.person or n.user) for n in notices) == ["Wu (Songzhuang town)", "inspector", "leader"]
    notify.deliver_pending()
    assert [m.to for m in mail.outbox if "Ma" in m.subject] == [["wu@example.cn"]]
    assert DutyLogEntry.objects.filter(what__contains="Ma").exists()  # the duty log says so


def test_a_late_confirmation_is_still_recorded_and_confirmed_calls_are_never_escalated(flood, t0):
    declaration = declare(flood, now=t0)
    calls = calls_of(declaration)
    services.escalate_due(t0 + 20 * MINUTE)
    assert services.call_out_confirm(call_out_id=calls["Ma"].pk, now=t0 + 25 * MINUTE)
    ma = CallOut.objects.get(pk=calls["Ma"].pk)
    assert ma.state == "confirmed" and ma.escalated_at == t0 + 20 * MINUTE


def test_the_calls_of_an_ended_warning_are_not_escalated(flood, client_as, t0):
    declaration = declare(flood, now=t0)
    assert client_as("leader").post(reverse("hazards:declaration-end", args=[declaration.pk])).status_code == 302
    assert services.escalate_due(t0 + 60 * MINUTE) == []


def test_with_no_unit_leader_and_nobody_on_duty_the_leaders_are_told(flood, t0):
    flood.shift.delete()
    flood.people["wu"].delete()
    declaration = declare(flood, now=t0, user=flood.cast["leader"])
    services.escalate_due(t0 + 15 * MINUTE)
    ma = CallOut.objects.get(declaration=declaration, person__name="Ma")
    assert ma.escalated_to == "Leader"


@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_escalate_each_call_once(flood, t0, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # only the runners below
    declaration = declare(flood, now=t0)
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(services.escalate_due(t0 + 15 * MINUTE))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(call.person.name for batch in results for call in batch) == ["Lead", "Ma", "Zheng", "Zhou"]
    # Each call to its unit's leader (Lead's unit has none) and to the two on duty: 3 + 3 + 3 + 2.
    assert Notice.objects.filter(kind=Notice.Kind.ESCALATION).count() == 11
    assert CallOut.objects.filter(declaration=declaration, escalated_at=None).count() == 0


def start_worker(settings):
    """Another `manage.py jobs_worker` on the test database, as tests/jobs.py starts one."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(_database_env())
    env.update({"FLOODWATCH_TESTING": "1", "JOBS_BACKEND": worker_backend(), "SITE_URL": settings.SITE_URL,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT)})
    return subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), "jobs_worker"], env=env,
                            start_new_session=True)


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def database_env():
    """The environment for a manage.py that uses the test database (committed by a transactional test)."""
    env = {**os.environ, "FLOODWATCH_TESTING": "1"}
    live = connection.settings_dict
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = live["NAME"]
    else:
        env["DATABASE_URL"] = f"postgis://{live['USER']}@{live['HOST']}:{live['PORT'] or 5432}/{live['NAME']}"
    return env


def run_timers():
    done = subprocess.run([sys.executable, "manage.py", "run_response_timers", "--once"], cwd=settings.BASE_DIR,
                          env=database_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.django_db(transaction=True)
def test_the_sweep_escalates_once_what_a_lost_queue_dropped(flood, settings):
    """No timer in memory: calls made twenty minutes ago, whose job never ran (a queue that lost it), are escalated
    by `run_response_timers --once` in a fresh process, once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # keeps, never runs
    declaration = declare(flood, now=timezone.now() - 20 * MINUTE)
    services.call_out_confirm(call_out_id=calls_of(declaration)["Zhou"].pk)
    assert run_timers().startswith("3 calls escalated")
    escalated = CallOut.objects.filter(declaration=declaration).exclude(escalated_at=None)
    assert sorted(call.person.name for call in escalated) == ["Lead", "Ma", "Zheng"]
    assert run_timers().startswith("0 calls escalated")  # the next process finds nothing left to do
    assert Notice.objects.filter(kind=Notice.Kind.ESCALATION, delivered_at=None).count() == 0


@pytest.mark.django_db(transaction=True)
def test_escalation_is_a_job_deferred_to_the_deadline_and_a_restarted_worker_does_it_once(flood, job_worker,
                                                                                          settings):
    """The job worker escalates at the deadline, never a request; stopped and started again before it, the new
    worker still does, once: the deferred task and the deadline are rows in the database."""
    now = timezone.now()
    declaration = declare(flood, now=now - settings.CALL_CONFIRM_MINUTES * MINUTE + datetime.timedelta(seconds=6))
    for name in ("Zhou", "Zheng", "Lead"):
        services.call_out_confirm(call_out_id=calls_of(declaration)[name].pk)
    stop(job_worker)  # the worker goes down before the deadline
    assert CallOut.objects.filter(declaration=declaration).exclude(escalated_at=None).count() == 0
    restarted = start_worker(settings)
    try:
        ma = calls_of(declaration)["Ma"]
        deadline = time.monotonic() + 90
        while CallOut.objects.get(pk=ma.pk).escalated_at is None and time.monotonic() < deadline:
            time.sleep(0.5)
        escalated = CallOut.objects.get(pk=ma.pk)
        assert escalated.escalated_at is not None and escalated.escalated_at >= escalated.deadline
        time.sleep(3)
        assert CallOut.objects.filter(declaration=declaration).exclude(escalated_at=None).count() == 1
        assert Notice.objects.filter(kind=Notice.Kind.ESCALATION).count() == 3  # Wu, and the two on duty
        assert Notice.objects.filter(kind=Notice.Kind.ESCALATION, delivered_at=None).count() == 0
    finally:
        stop(restarted)
