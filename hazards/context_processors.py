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
    }
