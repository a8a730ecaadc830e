"""manage.py generate_hazards N: realistic data at scale, by the app's own rules, for benchmarks and demos only."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from hazards import geo
from hazards.models import Acceptance, Hazard, HazardPhoto, Patrol, ProgressUpdate, WorkOrder, hazard_status

from .conftest import make_hazard


def generate(n, **options):
    out = io.StringIO()
    call_command("generate_hazards", str(n), stdout=out, **options)
    return out.getvalue()


def test_generated_hazards_follow_every_rule_a_form_and_the_works_apply(rivers, settings):
    generate(400)
    hazards = list(Hazard.objects.select_related("river").prefetch_related("work_orders"))
    assert len(hazards) == 400
    assert all(h.code.startswith(f"{h.river.code_prefix}-G") for h in hazards)
    for hazard in hazards:
        assert hazard.status == hazard_status(hazard, list(hazard.work_orders.all())), hazard.code
        assert hazard.risk_level == (hazard.risk_override or hazard.computed_risk_level())
        place = hazard.river.locate(hazard.location)
        assert hazard.chainage_m == pytest.approx(place.chainage_m, abs=0.01) and hazard.bank == place.bank
        assert place.offset_m <= settings.MAX_RIVER_DISTANCE_M and geo.in_district(hazard.location)
        assert (hazard.map_x, hazard.map_y) == tuple(geo.web_pixels_xy([(hazard.location.x, hazard.location.y)])[0])
    statuses = Counter(h.status for h in hazards)
    assert set(statuses) == set(Hazard.Status.values), statuses  # every stage of a hazard's life is there
    assert len({h.risk_level for h in hazards}) == 4


def test_generated_works_have_progress_photos_acceptances_and_history(rivers):
    generate(300)
    for order in WorkOrder.objects.prefetch_related("updates", "engineers"):
        percents = [u.percent for u in order.updates.order_by("created_at", "id")]
        assert percents == sorted(percents) and (percents[-1] if percents else 0) == order.progress_pct
        assert order.engineers.exists()
        assert all(u.author in order.engineers.all() for u in order.updates.all())
        assert order.created_at <= order.updated_at
    for acceptance in Acceptance.objects.select_related("order"):
        assert acceptance.order.status == "accepted" and acceptance.photos.exists()
        assert not acceptance.order.engineers.filter(pk=acceptance.accepted_by_id).exists()
    assert ProgressUpdate.objects.filter(photos__isnull=False).exists()
    photo = HazardPhoto.objects.first()
    with Image.open(photo.thumbnail.path) as thumbnail:  # a real JPEG, on disk
        assert thumbnail.format == "JPEG"
    assert Hazard.history.filter(history_type="+").count() == 300
    assert Hazard.history.filter(history_type="~").exists() and WorkOrder.history.exists()
    assert Patrol.objects.count() >= 1 and all(p.covered for p in Patrol.objects.all())


def test_hazards_are_spread_over_three_years(rivers):
    generate(200)
    dates = sorted(Hazard.objects.values_list("created_at", flat=True))
    assert (dates[-1] - dates[0]).days > 365


def test_it_is_refused_in_production_unless_asked_for_knowingly(rivers, settings):
    settings.DEBUG, settings.TESTING = False, False
    with pytest.raises(CommandError, match="benchmarks and demos"):
        generate(10)
    assert not Hazard.objects.exists()
    generate(10, i_know=True)
    assert Hazard.objects.count() == 10


def test_it_is_refused_on_a_database_with_real_hazards_unless_forced(rivers):
    make_hazard(rivers["xiaotaihou"], 1800)
    with pytest.raises(CommandError, match="neither generated nor the demo's"):
        generate(10)
    assert Hazard.objects.count() == 1
    generate(10, force=True)
    assert Hazard.objects.count() == 11


def test_it_adds_to_the_demo_and_to_earlier_generated_hazards(demo):
    generate(20)
    generate(20)
    codes = list(Hazard.objects.filter(code__contains="-G").values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 40
    assert Hazard.objects.count() == 49
