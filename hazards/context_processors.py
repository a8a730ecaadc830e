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
        "home_is_dashboard": roles.LEADER in roles.roles_of(user),
        **citizen_report_counts(user),
    }


def citizen_report_counts(user):
    """The top bar's badge: urgent 12345 reports for the people on duty, admins and leaders; reports awaiting an
    inspector for inspectors."""
    from .models import CitizenReport
    from .response import is_on_duty

    if roles.has_role(user, roles.ADMIN, roles.LEADER) or is_on_duty(user):
        return {"citizen_badge": CitizenReport.objects.urgent().count(), "citizen_badge_urgent": True}
    if roles.has_role(user, roles.INSPECTOR):
        return {"citizen_badge": CitizenReport.objects.awaiting().count(), "citizen_badge_urgent": False}
    return {}
def response_now(request):
    """During a response every page says so and who is on duty; every user sees their unread messages."""
    user = request.user
    if not user.is_authenticated:
        return {}
    from .models import Declaration, Notice
    from .response import duty_users

    context = {"unread_notices": Notice.objects.filter(user=user, read_at=None).count()}
    current = list(Declaration.objects.filter(ended_at=None).select_related("river", "town").order_by("response_level"))
    if current:
        context.update(response_current=current, on_duty=duty_users())
    return context
