from django.middleware.locale import LocaleMiddleware


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """The web UI is Japanese unless the user picked English (language cookie): a browser's
    Accept-Language does not switch it. API clients may still ask for English with Accept-Language."""

    def process_request(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
