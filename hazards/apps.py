from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = _("Flood obstructions")
    default = True

    def ready(self):
        # lookups registers the overflow-safe __in lookup; tiles connects the signals that make cached map
        # tiles stale.
        from . import lookups, tiles  # noqa: F401


class FloodwatchAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with a site open to the admin role (hazards.roles)."""

    default = False
    default_site = "hazards.roles.FloodwatchAdminSite"
