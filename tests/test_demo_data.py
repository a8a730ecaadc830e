import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from hazards.models import Hazard


def test_the_demo_holds_the_four_hazards_from_the_district_report(db, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", verbosity=0)
    by_village = {h.village.name_zh: h for h in Hazard.objects.exclude(village=None)}
    assert by_village["白庙村"].river.code == "chaobai"
    assert by_village["师姑庄村"].river.code == "chaobai"
    culvert, pylon = by_village["口子村"], by_village["前营村"]
    assert (culvert.kind, pylon.kind) == ("culvert", "pylon")
    assert culvert.in_main_channel and pylon.in_main_channel
    assert culvert.risk_level == pylon.risk_level == "major"
    assert User.objects.get(username="leader").check_password("floodwatch-demo")


def test_loading_the_demo_twice_changes_nothing(db, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", verbosity=0)
    counts = (Hazard.objects.count(), User.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Hazard.objects.count(), User.objects.count()) == counts


def test_production_settings_refuse_the_demo(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="Demo data is disabled"):
        call_command("load_demo", verbosity=0)
    assert not User.objects.exists()
