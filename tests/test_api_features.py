"""The API's hazard features, written as JSON by the database (hazards/features.py), say what the models say."""

import datetime

import pytest
from django.utils import timezone, translation

from hazards import geo
from hazards.api import hazard_features
from hazards.models import Hazard, HazardPhoto, WorkOrder

from .conftest import jpeg, make_hazard


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_property_is_the_models_value_in_the_users_language(language, rivers, cast):
    import json

    hazard = make_hazard(rivers["xiaotaihou"], 1834.56, kind="culvert", in_main_channel=True, blockage_pct=62.5,
                         title='Culvert "A" <b>')
    photo = HazardPhoto.from_upload(jpeg(), cast["inspector"], hazard=hazard)
    late = WorkOrder.objects.create(title="Enlarge", kind="enlarge_culvert", hazard=hazard, progress_pct=40,
                                    status="in_progress", deadline=timezone.localdate() - datetime.timedelta(days=3))
    WorkOrder.objects.create(title="Done", kind="remove", hazard=hazard, status="accepted")
    on_time = WorkOrder.objects.create(title="Later", kind="interim", hazard=hazard,
                                       deadline=timezone.localdate() + datetime.timedelta(days=30))
    bare = make_hazard(rivers["chaobai"], 20000)
    hazard.refresh_from_db()
    with translation.override(language):
        features = {json.loads(f)["properties"]["code"]: json.loads(f) for f in hazard_features(Hazard.objects.all())}
        english = language == "en"
        properties = features[hazard.code]["properties"]
        assert properties == {
            "code": hazard.code, "title": 'Culvert "A" <b>', "river": "xiaotaihou",
            "chainage_m": round(hazard.chainage_m, 1), "chainage": geo.format_chainage(hazard.chainage_m),
            "kind": "culvert", "kind_label": str(hazard.get_kind_display()),
            "in_main_channel": True, "blockage_pct": 62.5,
            "risk_level": "major", "risk_label": str(hazard.get_risk_level_display()), "colour": hazard.risk_colour,
            "status": hazard.status, "status_label": str(hazard.get_status_display()),
            "town": (hazard.town.name_en if english else hazard.town.name_zh) if hazard.town else None,
            "village": (hazard.village.name_en if english else hazard.village.name_zh) if hazard.village else None,
            "updated_at": properties["updated_at"], "url": f"/hazards/{hazard.code}/",
            "thumbnail": f"/media/{photo.thumbnail.name}",
            "orders": [
                {"id": late.pk, "title": "Enlarge", "progress_pct": 40, "status": "in_progress",
                 "status_label": str(late.get_status_display()), "deadline": late.deadline.isoformat(),
                 "overdue": True, "url": f"/work-orders/{late.pk}/"},
                {"id": on_time.pk, "title": "Later", "progress_pct": 0, "status": "planned",
                 "status_label": str(on_time.get_status_display()), "deadline": on_time.deadline.isoformat(),
                 "overdue": False, "url": f"/work-orders/{on_time.pk}/"},
            ],
        }
        assert datetime.datetime.fromisoformat(properties["updated_at"]) == hazard.updated_at
        assert features[bare.code]["properties"]["thumbnail"] is None
        assert features[bare.code]["properties"]["orders"] == []
        assert features[bare.code]["properties"]["in_main_channel"] is False
        lon, lat = features[hazard.code]["geometry"]["coordinates"]
        assert (round(lon, 6), round(lat, 6)) == (round(hazard.location.x, 6), round(hazard.location.y, 6))
