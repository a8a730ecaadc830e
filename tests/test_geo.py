import pytest
import shapely

from hazards import geo
from hazards.models import River


@pytest.fixture
def straight_river(db):
    """A 10 km river running due south along easting 480,000 m (near the Chaobai)."""
    line = geo.from_metric(shapely.LineString([(480000, 4420000), (480000, 4410000)]))
    return River.objects.create(code="test", code_prefix="TST", name_zh="测试河", centerline=line)


def metric_point(x, y):
    return geo.from_metric(shapely.Point(x, y))


def test_a_point_on_the_line_has_its_distance_along_it_as_chainage(straight_river):
    where = straight_river.locate(metric_point(480000, 4420000 - 1234))
    assert where.chainage_m == pytest.approx(1234, abs=0.5)
    assert where.offset_m == pytest.approx(0, abs=0.5)


def test_a_point_beside_the_line_gets_its_offset_and_bank(straight_river):
    # Looking downstream (south), east is on the left.
    east = straight_river.locate(metric_point(480050, 4420000 - 1234))
    west = straight_river.locate(metric_point(479920, 4420000 - 5600))
    assert (round(east.chainage_m), round(east.offset_m), east.bank) == (1234, 50, "left")
    assert (round(west.chainage_m), round(west.offset_m), west.bank) == (5600, 80, "right")


def test_point_at_is_the_inverse_of_locate(straight_river):
    point = straight_river.point_at(7350, offset_m=30, bank="right")
    where = straight_river.locate(point)
    assert (round(where.chainage_m), round(where.offset_m), where.bank) == (7350, 30, "right")


def test_chainage_is_written_the_way_engineers_write_it():
    assert geo.format_chainage(12350) == "K12+350"
    assert geo.format_chainage(7.6) == "K0+008"
    assert geo.format_chainage(3000) == "K3+000"
    assert geo.format_chainage(None) == ""


def test_a_reach_is_the_stretch_between_two_chainages(straight_river):
    stretch = geo.reach(straight_river.centerline, 4000, 1500)
    assert geo.to_metric(stretch).length == pytest.approx(2500, abs=1)


def test_the_real_rivers_run_from_upstream_to_downstream(rivers):
    chaobai, xiaotaihou = rivers["chaobai"], rivers["xiaotaihou"]
    # The Chaobai flows south along Tongzhou's east edge, the Xiaotaihou east.
    assert chaobai.centerline.coords[0][1] > chaobai.centerline.coords[-1][1]
    assert xiaotaihou.centerline.coords[0][0] < xiaotaihou.centerline.coords[-1][0]
    assert 30_000 < chaobai.length_m < 60_000
    assert xiaotaihou.approximate and not chaobai.approximate
