from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import URLField
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from leaflet.admin import LeafletGeoAdmin, LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    ApiToken,
    ChecklistItem,
    CitizenReport,
    Delivery,
    Depot,
    DepotItem,
    Drill,
    DrillFollowUp,
    DutyShift,
    EvacuationPlan,
    EvacuationRoute,
    Gauge,
    Hazard,
    HazardPhoto,
    Job,
    NotificationSettings,
    Open311Client,
    Patrol,
    PatrolCheck,
    PlanContact,
    ProgressUpdate,
    RescueTeam,
    Responsibility,
    ResponsiblePerson,
    River,
    Robot,
    Shelter,
    TeamStretch,
    Town,
    Village,
    WorkOrder,
)
from .models.notifications import EVENTS


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the admin's change was made on, like the pages' forms."""

    # Not named "version": the admin would take that for the model's own (non-editable) field.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["seen_version"] = self.instance.version

    def clean_seen_version(self):
        # Caught here, the admin's typing is kept; the service checks again under lock.
        version = self.cleaned_data["seen_version"]
        if self.instance.pk and version != self.instance.version:
            raise ValidationError(_("Someone else changed this while you were editing it. Reload the page to see it."))
        return version


class VersionedAdmin(SimpleHistoryAdmin):
    """Admin edits go through the same locked, versioned services as the pages.

    A change that loses the race after the form was checked is refused with
    a message and the page shows the current state again.
    """

    form = VersionedAdminForm

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except services.StaleVersion:
            self.message_user(request, _("Someone else changed this meanwhile; nothing was saved. "
                                         "The current state is shown."), messages.ERROR)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class HazardAdminForm(VersionedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            settable = set(self.instance.settable_statuses()) or {self.instance.status}
            self.fields["status"].choices = [(v, label) for v, label in self.fields["status"].choices if v in settable]


class HazardPhotoInline(admin.TabularInline):
    """Photos are added through the report form, which checks them and makes thumbnails."""

    model = HazardPhoto
    extra = 0
    fields = ["image", "thumbnail", "gps_location", "uploaded_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Hazard)
class HazardAdmin(LeafletGeoAdminMixin, VersionedAdmin):
    list_display = ["code", "title", "river", "chainage", "kind", "risk_level", "status", "updated_at"]
    list_filter = ["river", "risk_level", "status", "kind"]
    search_fields = ["code", "title", "responsible_unit"]
    readonly_fields = ["code", "chainage", "offset_m", "bank", "risk_level", "town", "village", "reported_by"]
    inlines = [HazardPhotoInline]
    form = HazardAdminForm

    def save_model(self, request, obj, form, change):
        services.hazard_save(hazard=obj, user=request.user, version=form.cleaned_data["seen_version"],
                             status_chosen="status" in form.changed_data)


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


class WorkOrderAdminForm(VersionedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        previous = self.instance.status if self.instance.pk else None
        if "status" in self.fields:
            self.fields["status"].choices = [
                (v, label) for v, label in self.fields["status"].choices if WorkOrder.may_change_status(previous, v)
            ]


@admin.register(WorkOrder)
class WorkOrderAdmin(VersionedAdmin):
    list_display = ["title", "kind", "hazard", "river", "status", "progress_pct", "deadline"]
    # Both may be empty, and the admin's own select_related() follows only required foreign keys.
    list_select_related = ["hazard", "river"]
    list_filter = ["status", "kind", "river"]
    search_fields = ["title", "responsible_unit", "contractor"]
    filter_horizontal = ["engineers"]
    autocomplete_fields = ["hazard"]
    inlines = [ProgressUpdateInline]
    form = WorkOrderAdminForm

    def save_model(self, request, obj, form, change):
        # The engineers are set afterwards by the admin itself (save_related), in the same transaction.
        obj._engineers_before = set(obj.engineers.values_list("pk", flat=True)) if obj.pk else set()
        services.work_order_save(order=obj, user=request.user, version=form.cleaned_data["seen_version"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.work_order_assigned(order=form.instance, before=getattr(form.instance, "_engineers_before", set()))

    def delete_model(self, request, obj):
        services.work_order_delete(order=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for order in queryset:
            services.work_order_delete(order=order, user=request.user)


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


# The flood response: what admins keep up to date by hand (pages handle declarations, calls and evacuations).

@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """Each response level's checklist: a declaration copies its level's items when it is made."""

    list_display = ["text_zh", "text_en", "response_level", "position"]
    list_editable = ["response_level", "position"]
    list_filter = ["response_level"]


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0
    autocomplete_fields = ["hazard", "work_order"]


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "unit", "position", "leads_unit", "trained_on"]
    list_filter = ["leads_unit", "unit"]
    search_fields = ["name", "unit", "mobile"]
    inlines = [ResponsibilityInline]


class DepotItemInline(admin.TabularInline):
    model = DepotItem
    extra = 1


@admin.register(Depot)
class DepotAdmin(LeafletGeoAdmin):
    list_display = ["name", "town", "keeper", "last_checked", "approximate"]
    inlines = [DepotItemInline]


class TeamStretchInline(admin.TabularInline):
    model = TeamStretch
    extra = 1


@admin.register(RescueTeam)
class RescueTeamAdmin(LeafletGeoAdmin):
    list_display = ["name", "size", "town", "standby", "approximate"]
    list_filter = ["standby"]
    list_editable = ["standby"]
    autocomplete_fields = ["hazards"]
    inlines = [TeamStretchInline]


@admin.register(Gauge)
class GaugeAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "kind", "river", "alert_level_m", "warning_level_m", "guaranteed_level_m",
                    "approximate"]
    list_filter = ["kind", "river"]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "leader"]
    filter_horizontal = ["staff"]
# Keys for programs (issue 12): made here by admins, shown once, revoked (never shown again).

class HashedKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "key_start", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_start", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        key = None if obj.pk else obj.new_key()
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(request, _("The key of “%(name)s” is %(key)s — copy it now: it is shown only this once.")
                             % {"name": obj.name, "key": key})

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            key.revoke()

    def has_delete_permission(self, request, obj=None):
        return False  # revoked keys stay on record


@admin.register(ApiToken)
class ApiTokenAdmin(HashedKeyAdmin):
    list_display = ("name", "user", *HashedKeyAdmin.list_display[1:])
    list_filter = ("revoked_at",)
    fields = ("user", "name", *HashedKeyAdmin.readonly_fields)


@admin.register(Open311Client)
class Open311ClientAdmin(HashedKeyAdmin):
    fields = ("name", "contact", *HashedKeyAdmin.readonly_fields)


@admin.register(CitizenReport)
class CitizenReportAdmin(LeafletGeoAdminMixin, admin.ModelAdmin):
    """Read-only: reports are decided on their pages, through the services."""

    list_display = ("pk", "service_code", "urgency", "status", "received_at", "hazard", "client")
    list_filter = ("status", "urgency", "service_code")
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Every user's background jobs, to see what runs and why one failed; made only by the pages."""

    list_display = ["id", "kind", "title", "user", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Notifications (issue 13): the units' group robots; what went out, per channel.

class RobotAdminForm(forms.ModelForm):
    events = forms.MultipleChoiceField(label=gettext_lazy("Events"), required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       choices=[(event.value, event.label) for event in EVENTS])

    class Meta:
        model = Robot
        fields = ["name", "kind", "url", "secret", "group", "user", "events"]


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "group", "user"]
    list_filter = ["kind", "group"]
    form = RobotAdminForm


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: deliveries are written with their notices and by the sender."""

    list_display = ["notice", "channel", "address", "robot", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "channel"]
    list_select_related = ["notice", "robot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "phone"]
    list_select_related = ["user"]
