"""The readiness demo: what the issue asks of it, and the same on a second load."""

from django.core.management import call_command

from hazards.models import Drill, EvacuationPlan, Patrol, PatrolCheck
from hazards.readiness import village_readiness


def load(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", verbosity=0)


def test_the_demo_has_plans_and_a_drill_for_baimiao_and_shiguzhuang_and_a_gpx_patrol_on_the_xiaotaihou(db, settings):
    load(settings)
    table = {row.village.name_en: row for row in village_readiness()}
    for name in ("Baimiao", "Shiguzhuang"):
        assert table[name].ready and table[name].plan.shelters.exists() and table[name].plan.routes.exists()
    assert Drill.objects.filter(villages__name_en="Baimiao").filter(villages__name_en="Shiguzhuang").exists()
    assert any(row.last_drill is None for row in table.values())  # at least one village never drilled
    assert any(row.flagged for row in table.values())
    walk = Patrol.objects.get(river__code="xiaotaihou", source="gpx")
    assert walk.covered and walk.follows_river and not walk.is_too_fast and walk.started_at is not None
    assert PatrolCheck.objects.filter(patrol=walk).count() == 2


def test_loading_the_readiness_demo_twice_changes_nothing(db, settings):
    load(settings)
    counts = (EvacuationPlan.objects.count(), Drill.objects.count(), Patrol.objects.count(), PatrolCheck.objects.count())
    load(settings)
    assert (EvacuationPlan.objects.count(), Drill.objects.count(), Patrol.objects.count(),
            PatrolCheck.objects.count()) == counts
