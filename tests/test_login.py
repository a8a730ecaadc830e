"""Logging in through the real login page: lock-outs after failures, the unlock command, sessions, passwords."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .conftest import in_chinese

OFFICE = "10.20.30.40"  # one address for a whole office behind NAT
HOME = "10.99.0.7"


def log_in(username, password, address=OFFICE, language="en"):
    """A fresh browser at this address posting the login form (the fields tests/browser.py fills)."""
    client = Client(REMOTE_ADDR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("login"), {"username": username, "password": password, "next": ""})
    return response


def logged_in(response):
    """Sent on to the home page: the dashboard for leaders, the map for everyone else."""
    return response.status_code == 302 and response["Location"] in (reverse("hazards:map"), reverse("hazards:dashboard"))


def fail_five_times(username="inspector", address=OFFICE):
    return [log_in(username, "wrong-password", address).status_code for _ in range(5)]


def test_five_wrong_passwords_lock_the_user_out_from_that_address(cast):
    assert fail_five_times() == [200, 200, 200, 200, 429]
    locked = log_in("inspector", "pw-inspector")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page
    assert "Try again in 30 minutes" in page
    assert "_auth_user_id" not in locked.wsgi_request.session


def test_leaders_land_on_the_dashboard_and_the_others_on_the_map(cast):
    assert log_in("leader", "pw-leader")["Location"] == reverse("hazards:dashboard")
    assert log_in("inspector", "pw-inspector")["Location"] == reverse("hazards:map")


def test_a_locked_out_user_does_not_lock_out_the_office(cast):
    fail_five_times()
    assert logged_in(log_in("leader", "pw-leader"))
    assert logged_in(log_in("inspector", "pw-inspector", address=HOME))
    assert log_in("inspector", "pw-inspector").status_code == 429


def test_the_right_password_after_four_typos_starts_the_count_again(cast):
    for _ in range(4):
        assert log_in("inspector", "wrong-password").status_code == 200
    assert logged_in(log_in("inspector", "pw-inspector"))
    for _ in range(4):
        assert log_in("inspector", "wrong-password").status_code == 200
    assert logged_in(log_in("inspector", "pw-inspector"))


def test_the_admin_login_page_is_throttled_too(cast):
    client = Client(REMOTE_ADDR=OFFICE)
    answers = [client.post(reverse("admin:login"), {"username": "admin", "password": "wrong"}).status_code
               for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    assert log_in("admin", "pw-admin").status_code == 429


def test_the_reset_command_unlocks_a_user(cast):
    fail_five_times()
    assert log_in("inspector", "pw-inspector").status_code == 429
    call_command("axes_reset_username", "inspector", verbosity=0)
    assert logged_in(log_in("inspector", "pw-inspector"))


def test_the_lock_out_ends_after_the_cool_off(cast):
    fail_five_times()
    assert log_in("inspector", "pw-inspector").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
    assert logged_in(log_in("inspector", "pw-inspector"))


def test_the_lock_out_page_speaks_chinese_by_default(cast):
    fail_five_times()
    client = in_chinese(Client(REMOTE_ADDR=OFFICE))
    response = client.post(reverse("login"), {"username": "inspector", "password": "pw-inspector"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录失败次数过多" in page and "请 30 分钟后再试" in page


def test_a_session_lasts_twelve_hours(cast):
    response = log_in("leader", "pw-leader")
    assert logged_in(response)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 12 * 3600
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"]


def test_an_expired_session_goes_back_to_login(cast, client):
    from django.contrib.sessions.models import Session

    client.post(reverse("login"), {"username": "leader", "password": "pw-leader"})
    assert client.get(reverse("hazards:map")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("hazards:map"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("weak, reason", [
    ("short1x", "too short"),
    ("12345678901", "entirely numeric"),
    ("password123", "too common"),
    ("inspector2025", "too similar to the username"),
])
def test_a_weak_new_password_is_refused(client_as, cast, weak, reason):
    response = client_as("inspector").post(reverse("password_change"), {
        "old_password": "pw-inspector", "new_password1": weak, "new_password2": weak,
    })
    assert response.status_code == 200
    assert reason in response.content.decode()
    cast["inspector"].refresh_from_db()
    assert cast["inspector"].check_password("pw-inspector")


def test_a_strong_new_password_is_taken(client_as, cast):
    response = client_as("inspector").post(reverse("password_change"), {
        "old_password": "pw-inspector", "new_password1": "Chaobai river, 2025 flood season",
        "new_password2": "Chaobai river, 2025 flood season",
    })
    assert response.status_code == 302
    assert logged_in(log_in("inspector", "Chaobai river, 2025 flood season"))
