"""Who is calling the API: a personal token, HTTP Basic (GIS desktops), or the pages' session. Never anonymous.

Every way in ends at the same roles (hazards.roles): a token acts as its user.
HTTP Basic goes through Django's authenticate() with the request, so
django-axes counts its failures and locks a user name out from an address
exactly as the login page does.
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, negotiation, permissions

from .models import ApiToken
from .roles import ALL_ROLES, has_role

API_PREFIXES = ("/api/", "/ogc/", "/open311/")


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`: a personal token made on the profile page (or by an admin)."""

    keyword = "Token"

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after the word Token, with one space."))
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid, or has been revoked."))
        token = ApiToken.objects.select_related("user").find(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid, or has been revoked."))
        token.mark_used()
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic, for GIS clients; failures count towards django-axes' lock-outs like the login page's."""

    www_authenticate_realm = "Floodwatch"

    def authenticate_credentials(self, userid, password, request=None):
        # django-axes keeps its marks (a lock-out) on Django's request, which its middleware reads.
        django_request = getattr(request, "_request", request)
        user = authenticate(request=django_request, username=userid, password=password)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("Wrong user name or password."))
        return user, None


class SessionAuthentication(authentication.SessionAuthentication):
    """The pages' login, with Django's CSRF check on every write."""


class HasRole(permissions.BasePermission):
    """A logged-in user with a role in Floodwatch: 401 for nobody, 403 for a user without a role."""

    message = "Your account has no role in Floodwatch."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 (NotAuthenticated) when no credentials came
        return has_role(request.user, *ALL_ROLES)


class FirstRenderer(negotiation.DefaultContentNegotiation):
    """Every endpoint answers in one format (JSON or GeoJSON), whatever Accept says: never a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def exception_handler(exc, context):
    """Errors as the API has always written them: {"error": message}; field errors as {"errors": {field: message}}."""
    from rest_framework.views import exception_handler as drf_exception_handler  # DRF's views import this module

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"error": str(data["detail"])}
    elif isinstance(data, dict):
        response.data = {"errors": {name: " ".join(map(str, v)) if isinstance(v, list) else str(v) for name, v in data.items()}}
    elif isinstance(data, list):
        response.data = {"error": " ".join(map(str, data))}
    return response


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lock-out: JSON for programs (the API's paths), the page for people."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"error": _(
            "Too many wrong passwords for this user name from this address: try again in %(minutes)d minutes, "
            "or ask an administrator to unlock the account.") % {"minutes": minutes}}, status=429)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "username": username,
               "cooloff_timedelta": settings.AXES_COOLOFF_TIME}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)

