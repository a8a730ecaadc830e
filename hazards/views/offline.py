"""Offline field capture: the service worker, the web manifest, and photos sent in pieces (hazards/offline.py)."""

import json

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .. import offline, roles
from ..api import api_role_required

# Who takes photos in the field: inspectors (reports, patrols, acceptance) and engineers (progress).
FIELD_ROLES = (roles.INSPECTOR, roles.ENGINEER)


@require_GET
@never_cache
def service_worker(request):
    """/sw.js at the root, so that it may serve every page; never cached by the browser's HTTP cache, so that a
    deploy reaches the phones at their next visit (the worker's own version then changes)."""
    response = render(request, "offline/sw.js", {
        "version": offline.worker_version(), "precache": json.dumps(offline.precache_urls()),
        "offline_url": reverse("hazards:offline-page"),
    }, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    """The web manifest: name, icons, start page; in the user's language."""
    return JsonResponse({
        "name": _("Floodwatch") + " · " + _("Tongzhou flood control"), "short_name": _("Floodwatch"),
        "start_url": reverse("hazards:map") + "?source=pwa", "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1f4e79", "lang": request.LANGUAGE_CODE,
        "icons": [{"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": "any maskable"} for size in (192, 512)],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def offline_page(request):
    """What a page not kept on the phone shows offline (the worker keeps this one at install)."""
    return render(request, "offline/offline.html")


@require_http_methods(["GET", "POST"])
@api_role_required
def photo_upload(request, upload_id):
    """GET: how much of the photo the server has. POST: one piece, raw bytes at ?offset= of ?size= (?name=).

    409 when the piece is not at the offset the server has: the answer says where to go on from.
    """
    if not roles.has_role(request.user, *FIELD_ROLES):
        return JsonResponse({"error": "Only inspectors and engineers send photos."}, status=403)
    if request.method == "GET":
        upload = offline.upload_for_user(request.user, upload_id)
        if upload is None:
            return JsonResponse({"error": "No such upload.", "received": 0}, status=404)
        return JsonResponse(_state(upload))
    try:
        size, offset = int(request.GET.get("size", "")), int(request.GET.get("offset", ""))
    except ValueError:
        return JsonResponse({"errors": {"size": "size and offset are whole numbers of bytes."}}, status=400)
    if int(request.META.get("CONTENT_LENGTH") or 0) > offline.PIECE_BYTES:
        return JsonResponse({"errors": {"piece": _("This piece of the photo does not fit it.")}}, status=400)
    try:
        upload = offline.append_piece(user=request.user, upload_id=upload_id, name=request.GET.get("name", ""),
                                      size=size, offset=offset, data=request.body)
    except ValidationError as error:
        return JsonResponse({"errors": {"piece": " ".join(error.messages)}}, status=400)
    return JsonResponse(_state(upload), status=200 if upload.received == offset + len(request.body) else 409)


def _state(upload):
    return {"id": str(upload.upload_id), "received": upload.received, "size": upload.size, "complete": upload.complete}
