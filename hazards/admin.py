from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin, LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Drill,
    DrillFollowUp,
    EvacuationPlan,
    EvacuationRoute,
    Hazard,
    HazardPhoto,
    Patrol,
    PatrolCheck,
    PlanContact,
    ProgressUpdate,
    River,
    Shelter,
    Town,
    Village,
    WorkOrder,
)


class HazardPhotoInline(admin.TabularInline):
    """Photos are added through the report form, which checks them and makes thumbnails."""

    model = HazardPhoto
    extra = 0
    fields = ["image", "thumbnail", "gps_location", "uploaded_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Hazard)
class HazardAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "title", "river", "chainage", "kind", "risk_level", "status", "updated_at"]
    list_filter = ["river", "risk_level", "status", "kind"]
    search_fields = ["code", "title", "responsible_unit"]
    readonly_fields = ["code", "chainage", "offset_m", "bank", "risk_level", "town", "village", "reported_by"]
    inlines = [HazardPhotoInline]


@admin.register(River)
class RiverAdmin(LeafletGeoAdmin):
    list_display = ["code", "name_zh", "name_en", "code_prefix", "approximate"]


@admin.register(Town)
class TownAdmin(LeafletGeoAdmin):
    list_display = ["code", "name_zh", "name_en"]


@admin.register(Village)
class VillageAdmin(LeafletGeoAdmin):
    list_display = ["code", "name_zh", "name_en", "town", "approximate"]
    list_filter = ["town"]


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "percent", "note"]
    readonly_fields = ["created_at", "author", "percent", "note"]
    can_delete = False


@admin.register(WorkOrder)
class WorkOrderAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "hazard", "river", "status", "progress_pct", "deadline"]
    list_filter = ["status", "kind", "river"]
    search_fields = ["title", "responsible_unit", "contractor"]
    filter_horizontal = ["engineers"]
    autocomplete_fields = ["hazard"]
    inlines = [ProgressUpdateInline]


# Flood-season readiness

class PatrolCheckInline(admin.TabularInline):
    model = PatrolCheck
    extra = 0
    autocomplete_fields = ["hazard"]


@admin.register(Patrol)
class PatrolAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    list_display = ["date", "river", "inspector", "source", "covered_m", "on_river_pct", "moving_speed_kmh"]
    list_filter = ["river", "source", "date"]
    readonly_fields = ["length_m", "covered", "covered_m", "on_river_pct", "moving_speed_kmh"]
    inlines = [PatrolCheckInline]


class PlanContactInline(admin.TabularInline):
    model = PlanContact
    extra = 0


class ShelterInline(LeafletGeoAdminMixin, admin.StackedInline):
    model = Shelter
    extra = 0


class EvacuationRouteInline(LeafletGeoAdminMixin, admin.StackedInline):
    model = EvacuationRoute
    extra = 0


@admin.register(EvacuationPlan)
class EvacuationPlanAdmin(SimpleHistoryAdmin):
    list_display = ["village", "people_at_risk", "households_at_risk", "vulnerable_people", "trigger_level", "reviewed_on"]
    list_filter = ["trigger_level", "village__town"]
    inlines = [PlanContactInline, ShelterInline, EvacuationRouteInline]


class DrillFollowUpInline(admin.TabularInline):
    model = DrillFollowUp
    extra = 0
    raw_id_fields = ["work_order"]


@admin.register(Drill)
class DrillAdmin(SimpleHistoryAdmin):
    list_display = ["date", "town", "kind", "organiser", "participants", "duration_minutes"]
    list_filter = ["kind", "town"]
    filter_horizontal = ["villages"]
    inlines = [DrillFollowUpInline]
