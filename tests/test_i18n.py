"""Chinese by default, English on request, and both complete."""

import re
import shutil
import subprocess
import sys

from django.conf import settings
from django.urls import reverse

PO = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries(path):
    """{msgid: msgstr} of a .po file (obsolete entries left out)."""
    entries, current, key = {}, {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current.get("msgid"):
                entries[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            current[key] += eval(line)  # a quoted continuation line
        else:
            key, _, value = line.partition(" ")
            current[key] = eval(value)
    return entries


def test_pages_are_in_chinese_by_default_whatever_the_browser_asks(client, cast, rivers):
    client.cookies.clear()
    client.force_login(cast["inspector"])
    page = client.get(reverse("hazards:map"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "上报碍洪点" in page and "Report a hazard" not in page


def test_a_user_switches_to_english_and_back(client, cast, rivers):
    client.cookies.clear()
    client.force_login(cast["inspector"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Report a hazard" in client.get(reverse("hazards:map")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "上报碍洪点" in client.get(reverse("hazards:map")).content.decode()


def test_messages_to_users_are_translated_too(client, cast, rivers):
    client.cookies.clear()
    client.force_login(cast["inspector"])
    response = client.post(reverse("hazards:create"), {"title": "x", "kind": "debris", "blockage_pct": "5",
                                                       "status": "reported", "latitude": "116.64", "longitude": "39.853"})
    assert "纬度和经度" in response.content.decode()


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path):
    """makemessages on a copy of the code finds nothing the catalogue lacks or leaves untranslated."""
    for name in ("floodwatch", "hazards", "templates", "manage.py"):
        source = settings.BASE_DIR / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-v", "0"], cwd=tmp_path, check=True)
    in_code = set(po_entries(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert len(in_code) > 200
    catalogue = po_entries(PO)
    assert sorted(in_code - set(catalogue)) == []
    untranslated = [msgid for msgid in in_code if not catalogue[msgid]]
    assert untranslated == []
    assert not [m for m, s in catalogue.items() if re.search(r"%\(\w+\)[sd]", m) and
                sorted(re.findall(r"%\(\w+\)[sd]", m)) != sorted(re.findall(r"%\(\w+\)[sd]", s))]
