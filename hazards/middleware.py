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
