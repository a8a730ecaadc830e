import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ChineseUnlessChosen:
    """Simplified Chinese is the default whatever the browser asks for.

    The district's staff share machines and browsers set up in many ways; the
    language changes only when a user picks it (Django's language cookie).
    Placed just before django.middleware.locale.LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Characters that are no part of any text a person types: C0 controls but tab and
# line breaks, DEL, C1 controls, and U+FFFD, which is what bytes that are not
# UTF-8 become when Django decodes a request.
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


class RefuseMalformedInput:
    """Every query parameter and form field must be text: anything else gets a 400, before any view runs.

    One net for every form and API endpoint, present and future; uploaded
    files are checked by their own readers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = self.first_malformed(request)
        if name is None:
            return self.get_response(request)
        message = _("The field “%(name)s” holds characters that are not text (control characters or bytes "
                    "that are not UTF-8). Type it again.") % {"name": name[:60]}
        # Each interface answers in its own error format (the REST API's, OGC API's, Open311's).
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": {name[:60]: message}}, status=400)
        if request.path.startswith("/ogc/"):
            return JsonResponse({"code": "InvalidParameterValue", "description": message}, status=400)
        if request.path.startswith("/open311/"):
            return JsonResponse([{"code": 400, "description": message}], status=400, safe=False)
        return render(request, "400_input.html", {"message": message}, status=400)

    @staticmethod
    def first_malformed(request):
        for params in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
            for key, values in params.lists():
                if NOT_TEXT.search(key) or any(NOT_TEXT.search(value) for value in values):
                    return key
        return None
