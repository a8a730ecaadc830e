"""Production is the default: each check runs manage.py in a fresh process with a clean environment,
as a deployment that sets only what the README asks for would."""

import os
import re
import subprocess
import sys

from django.conf import settings

KEY = "k9Vt3-test-only-but-long-and-random-enough-for-the-deploy-check-x7Qp2LmZ"


def manage(*args, **environment):
    """manage.py with nothing in the environment but PATH and the variables given."""
    env = {"PATH": os.environ["PATH"], **environment}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def setting_values(*names, **environment):
    code = "from django.conf import settings; print(repr([getattr(settings, n, None) for n in %r]))" % (names,)
    result = manage("shell", "--no-imports", "-c", code, **environment)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout)  # noqa: S307 (our own repr of plain values)


def test_without_a_secret_key_the_project_refuses_to_start():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=1" in result.stderr


def test_debug_is_off_and_demo_data_refused_unless_the_environment_says_so():
    debug, demo = setting_values("DEBUG", "DEMO_DATA_ALLOWED", SECRET_KEY=KEY)
    assert (debug, demo) == (False, False)
    result = manage("load_demo", SECRET_KEY=KEY, SQLITE_PATH=":memory:")
    assert result.returncode != 0
    assert "DEMO_DATA_ALLOWED" in result.stderr


def test_debug_1_runs_with_the_development_key():
    assert manage("check", DEBUG="1").returncode == 0
    debug, key, redirect = setting_values("DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", DEBUG="1")
    assert debug is True and key.startswith("insecure-development-key") and redirect is False


def test_with_only_a_key_and_hosts_the_deploy_check_passes():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=KEY, ALLOWED_HOSTS="floodwatch.example.cn")
    assert result.returncode == 0, result.stdout + result.stderr
    assert setting_values(
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", SECRET_KEY=KEY,
    ) == [True, 365 * 24 * 3600, True, True, True, True, None]


def test_the_deploy_check_fails_when_https_is_turned_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=KEY, ALLOWED_HOSTS="floodwatch.example.cn",
                    SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout and "security.W004" in result.stderr + result.stdout


def test_behind_an_https_proxy_the_forwarded_scheme_and_client_address_are_trusted():
    code = (
        "from django.test import RequestFactory; from axes.helpers import get_client_ip_address;"
        "r = RequestFactory().get('/', REMOTE_ADDR='127.0.0.1', HTTP_X_FORWARDED_PROTO='https',"
        " HTTP_X_FORWARDED_FOR='198.51.100.1, 203.0.113.9');"
        "print(r.is_secure(), get_client_ip_address(r))"
    )
    behind = manage("shell", "--no-imports", "-c", code, SECRET_KEY=KEY, BEHIND_HTTPS_PROXY="1")
    direct = manage("shell", "--no-imports", "-c", code, SECRET_KEY=KEY)
    # The proxy appended 203.0.113.9; 198.51.100.1 is whatever the client claimed.
    assert behind.stdout.split() == ["True", "203.0.113.9"], behind.stderr
    assert direct.stdout.split() == ["False", "127.0.0.1"], direct.stderr


def test_the_readme_lists_every_variable_the_settings_read():
    source = (settings.BASE_DIR / "floodwatch" / "settings.py").read_text()
    read = set(re.findall(r"""env_(?:str|bool|int)\(\s*["'](\w+)["']""", source))
    read |= set(re.findall(r"""os\.environ(?:\.get)?[\[(]\s*["'](\w+)["']""", source))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "BEHIND_HTTPS_PROXY"} <= read
    readme = (settings.BASE_DIR / "README.md").read_text()
    deployment = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    assert sorted(name for name in read if f"`{name}`" not in deployment) == []
