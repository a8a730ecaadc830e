"""Every message an inspector can meet when placing or describing a hazard."""

from django.urls import reverse

from hazards.models import Hazard

from .conftest import jpeg

KOUZI = (39.8531, 116.6400)  # on the Xiaotaihou, lat, lon


def report(client, **fields):
    data = {"title": "Culvert", "kind": "culvert", "blockage_pct": "40", "status": "reported"}
    data.update(fields)
    return client.post(reverse("hazards:create"), data)


def errors(response):
    return " ".join(str(e) for errs in response.context["form"].errors.values() for e in errs)


def test_a_hazard_in_the_river_is_saved_with_its_chainage(rivers, client_as):
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1])
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"] == hazard.get_absolute_url()
    assert hazard.river.code == "xiaotaihou"  # the nearest river, since none was chosen
    assert hazard.code == "XTH-001" and hazard.chainage.startswith("K1+")
    assert (hazard.town.name_zh, hazard.village.name_zh) == ("台湖镇", "口子村")


def test_swapped_latitude_and_longitude_are_named(rivers, client_as):
    response = report(client_as("inspector"), latitude=KOUZI[1], longitude=KOUZI[0])
    assert "Latitude and longitude look swapped" in errors(response)
    assert not Hazard.objects.exists()


def test_a_point_outside_the_district_is_refused(rivers, client_as):
    response = report(client_as("inspector"), latitude=31.23, longitude=121.47)  # Shanghai
    assert "is outside Tongzhou district" in errors(response)


def test_a_point_far_from_the_chosen_river_is_refused(rivers, client_as):
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], river=rivers["chaobai"].pk)
    message = errors(response)
    assert "m from the Chaobai River centerline; a hazard must lie within 500 m of it" in message


def test_a_point_near_no_river_is_refused(rivers, client_as):
    response = report(client_as("inspector"), latitude=39.80, longitude=116.60)
    assert "No river centerline lies within 500 m of this location." in errors(response)


def test_the_allowed_distance_is_a_setting(rivers, client_as, settings):
    settings.MAX_RIVER_DISTANCE_M = 20
    lat, lon = rivers["xiaotaihou"].point_at(2000, offset_m=60).coords[::-1]
    response = report(client_as("inspector"), latitude=lat, longitude=lon, river=rivers["xiaotaihou"].pk)
    assert "a hazard must lie within 20 m of it" in errors(response)


def test_the_blocked_share_stays_between_0_and_100(rivers, client_as):
    for value in ("101", "-1"):
        response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], blockage_pct=value)
        assert "The blocked share must be between 0 and 100 %." in errors(response)
    assert not Hazard.objects.exists()


def test_a_manual_risk_level_needs_a_reason(rivers, client_as):
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], risk_override="major")
    assert "Give a reason for the manual risk level." in errors(response)


def test_half_a_coordinate_is_refused(rivers, client_as):
    response = report(client_as("inspector"), latitude=KOUZI[0])
    assert "Give both latitude and longitude, or neither." in errors(response)


def test_no_location_at_all_says_how_to_give_one(rivers, client_as):
    response = report(client_as("inspector"))
    assert "Choose the location: click the map, use your position, or attach a photo with GPS." in errors(response)


def test_a_photo_with_gps_places_the_hazard(rivers, client_as):
    response = report(client_as("inspector"), photos=[jpeg(gps=KOUZI)])
    hazard = Hazard.objects.get()
    assert response.status_code == 302
    assert (round(hazard.location.y, 4), round(hazard.location.x, 4)) == KOUZI
    photo = hazard.photos.get()
    assert photo.thumbnail.name and round(photo.gps_location.y, 4) == KOUZI[0]


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(rivers, client_as, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("notes.jpg", b"this is not an image", content_type="image/jpeg")
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1], photos=[fake])
    assert "is not a photo we can read" in errors(response)
    assert not Hazard.objects.exists()
    assert not (settings.MEDIA_ROOT / "photos").exists()


def test_the_form_keeps_what_was_typed_after_an_error(rivers, client_as):
    response = report(client_as("inspector"), latitude=KOUZI[1], longitude=KOUZI[0], title="铺外路涵管")
    assert 'value="铺外路涵管"' in response.content.decode()


def test_a_photo_chosen_with_a_bad_location_is_kept_for_the_next_try(rivers, client_as, settings):
    client = client_as("inspector")
    response = report(client, latitude=KOUZI[1], longitude=KOUZI[0], photos=[jpeg()])
    assert "Latitude and longitude look swapped" in errors(response)
    page = response.content.decode()
    assert "The photo you chose last time is kept" in page
    token = response.context["form"].data["kept_photos"]

    response = report(client, latitude=KOUZI[0], longitude=KOUZI[1], kept_photos=token)
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and hazard.photos.count() == 1
    assert not list((settings.MEDIA_ROOT / "pending").iterdir())  # the kept copy is gone


def test_a_forged_kept_photos_token_brings_nothing_and_says_so(rivers, client_as):
    response = report(client_as("inspector"), latitude=KOUZI[0], longitude=KOUZI[1],
                      kept_photos="pending/../../etc/passwd")
    assert "The photos kept from your last try are no longer there" in errors(response)
    assert not Hazard.objects.exists()
