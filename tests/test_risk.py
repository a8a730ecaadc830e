import pytest

from hazards.models import Hazard

from .conftest import make_hazard


@pytest.mark.parametrize(
    "kind, main_channel, blockage, level",
    [
        ("culvert", True, 30, "major"),
        ("pylon", True, 65, "major"),
        ("culvert", True, 29, "high"),
        ("debris", True, 0, "high"),
        ("vegetation", False, 15, "high"),
        ("building", False, 14, "moderate"),
        ("sediment", False, 0, "moderate"),
        ("vegetation", False, 14, "low"),
        ("debris", False, 0, "low"),
    ],
)
def test_the_risk_rule(kind, main_channel, blockage, level):
    hazard = Hazard(kind=kind, in_main_channel=main_channel, blockage_pct=blockage)
    assert hazard.computed_risk_level() == level


def test_a_saved_hazard_carries_the_rule_s_level(rivers):
    hazard = make_hazard(rivers["xiaotaihou"], 1800, kind="culvert", in_main_channel=True, blockage_pct=60)
    hazard.refresh_from_db()
    assert hazard.risk_level == "major"


def test_a_manual_level_overrides_the_rule_and_keeps_its_reason(rivers):
    hazard = make_hazard(
        rivers["chaobai"], 5000, kind="debris", risk_override="high", risk_override_reason="Upstream of a school"
    )
    hazard.refresh_from_db()
    assert (hazard.risk_level, hazard.risk_override_reason) == ("high", "Upstream of a school")

    hazard.risk_override = ""
    hazard.save()
    hazard.refresh_from_db()
    assert (hazard.risk_level, hazard.risk_override_reason) == ("low", "")
