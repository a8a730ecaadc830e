"""Response pieces shared by pages: a hazard's responsible persons, owner, depot and team; calls and totals as said."""

from django import template

from .. import response, roles
from ..models import ObstructionOwner

register = template.Library()


@register.inclusion_tag("response/_hazard_response.html", takes_context=True)
def hazard_response(context, hazard):
    """On a hazard's page: its responsible persons (missing roles flagged where it needs them), its owner, and,
    when open red or orange, the nearest depot and its team."""
    user = context["request"].user
    people, missing = response.hazard_people(hazard)
    resources = response.Resources.load() if response.needs_people(hazard) else None
    depot, metres = resources.nearest_depot(hazard) if resources else (None, None)
    return {
        "hazard": hazard, "people": people, "missing": missing, "season": response.current_season(),
        "owner": ObstructionOwner.objects.filter(hazard=hazard).first(),
        "depot": depot, "depot_m": metres, "team": resources.team_for(hazard) if resources else None,
        "needs_people": response.needs_people(hazard), "show_phones": roles.may_see_phones(user),
        "may_edit_owner": roles.has_role(user, roles.INSPECTOR), "may_name": roles.has_role(user, roles.ADMIN),
    }


@register.filter
def call_label(call):
    return response.call_label(call)


@register.filter
def totals_text(totals):
    return response.totals_text(totals)


@register.filter
def phones(person, show):
    """A person's numbers, if the viewer may see them; else nothing."""
    if not show:
        return ""
    return " / ".join(number for number in (person.mobile, person.backup_phone) if number)


@register.simple_tag(takes_context=True)
def works_site_people(context, order):
    """The persons named for a works site this season; `show_phones` goes into the context for the template."""
    context["show_phones"] = roles.may_see_phones(context["request"].user)
    return list(order.responsibilities.filter(season=response.current_season()).select_related("person"))
