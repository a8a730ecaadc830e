"""Who may do what. Roles are Django groups; a superuser counts as admin."""

from functools import wraps

from django.contrib.admin import AdminSite
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

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


def get_for_user(queryset, user, *, edit=False, **lookup):
    """The object, if this user may see it (any role, checked by the view) or change it (inspectors).

    404 if there is no such object, 403 if the user may not change it.
    """
    obj = get_object_or_404(queryset, **lookup)
    if edit and not has_role(user, INSPECTOR):
        raise PermissionDenied
    return obj


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


class RoleBackend(ModelBackend):
    """Users in the admin group hold every permission, as superusers do."""

    def has_perm(self, user_obj, perm, obj=None):
        return (user_obj.is_active and has_role(user_obj, ADMIN)) or super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return (user_obj.is_active and has_role(user_obj, ADMIN)) or super().has_module_perms(user_obj, app_label)


class FloodwatchAdminSite(AdminSite):
    """Django's admin, open to the admin role rather than to a staff flag."""

    site_header = "Floodwatch"

    def has_permission(self, request):
        return request.user.is_active and has_role(request.user, ADMIN)


# The flood response (issue 11).

def may_see_phones(user):
    """Phones of responsible persons, obstruction owners, depot keepers and teams: leaders and admins, and whoever
    is on duty now (they make the calls). Inspectors and engineers see names and units, not numbers."""
    if has_role(user, LEADER):
        return True
    from .response import is_on_duty

    return is_on_duty(user)


def may_declare(user):
    """Declaring and ending warnings, ticking checklists, closing suggestions: leaders, admins, the people on duty."""
    return may_see_phones(user)


def role_or_person_required(view):
    """Any role, or a user named as a responsible person (a village lead need have no other role here)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles_of(user) and not user.responsible_persons.exists():
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
