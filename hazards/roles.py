"""Who may do what. Roles are Django groups; a superuser counts as admin."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

INSPECTOR = "inspector"
ENGINEER = "engineer"
LEADER = "leader"
ADMIN = "admin"
ALL_ROLES = (INSPECTOR, ENGINEER, LEADER, ADMIN)


def roles_of(user):
    """The user's roles, read once per request."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_floodwatch_roles"):
        names = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        user._floodwatch_roles = frozenset(names)
    return user._floodwatch_roles


def has_role(user, *roles):
    """True if the user has one of the roles; admins may do everything."""
    mine = roles_of(user)
    return ADMIN in mine or bool(mine.intersection(roles))


def role_required(*roles):
    """Send anonymous users to login; refuse (403) users without one of the roles.

    With no roles named, any role will do.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *(roles or ALL_ROLES)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
