from . import roles


def role_flags(request):
    """Lets templates show only what the user may do."""
    user = request.user
    return {
        "can_report": roles.has_role(user, roles.INSPECTOR),
        "user_roles": sorted(roles.roles_of(user)),
    }
