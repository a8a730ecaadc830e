from . import roles, season


def role_flags(request):
    """Lets templates show only what the user may do, and the days left before the flood season."""
    user = request.user
    return {
        "can_report": roles.has_role(user, roles.INSPECTOR),
        "is_engineer": roles.ENGINEER in roles.roles_of(user),
        "days_to_flood_season": season.days_to_flood_season(),
        "in_flood_season": season.in_flood_season(),
        "user_roles": sorted(roles.roles_of(user)),
        **citizen_report_counts(user),
    }


def citizen_report_counts(user):
    """The top bar's badge: urgent 12345 reports for admins and leaders (the person on duty, until issue 11's
    roster), reports awaiting an inspector for inspectors."""
    from .models import CitizenReport

    if roles.has_role(user, roles.ADMIN, roles.LEADER):
        return {"citizen_badge": CitizenReport.objects.urgent().count(), "citizen_badge_urgent": True}
    if roles.has_role(user, roles.INSPECTOR):
        return {"citizen_badge": CitizenReport.objects.awaiting().count(), "citizen_badge_urgent": False}
    return {}
