"""Readiness pieces that shared pages show: the map's extra layers, a hazard's villages at risk."""

from django import template
from django.conf import settings
from django.utils.html import json_script

from .. import geo, roles
from ..readiness import ALONGSIDE_M
from ..readiness import villages_at_risk as at_risk_from
from ..views.readiness import readiness_config

register = template.Library()


@register.simple_tag
def readiness_map_config():
    """The addresses and words the readiness layers need, as a JSON script element."""
    return json_script(readiness_config(), "readiness-config")


@register.inclusion_tag("readiness/_villages_at_risk.html", takes_context=True)
def villages_at_risk(context, hazard):
    """The villages at risk from a hazard, with their plan and drill status; and the patrol that found it."""
    return {
        "hazard": hazard, "rows": at_risk_from(hazard), "downstream_m": settings.AT_RISK_DOWNSTREAM_M,
        "alongside_m": ALONGSIDE_M,
        "can_plan": roles.has_role(context["request"].user, roles.INSPECTOR),
    }


@register.filter
def km(metres):
    """Metres as kilometres with one decimal: 3041.2 is "3.0 km"."""
    return "" if metres is None else f"{metres / 1000:.1f} km"


@register.filter
def chainage(metres):
    return geo.format_chainage(metres)
