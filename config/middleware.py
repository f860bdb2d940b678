from django.middleware.locale import LocaleMiddleware


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """The web UI is Japanese unless the user picked English (language cookie): a browser's
    Accept-Language does not switch it. API clients may still ask for English with Accept-Language."""

    def process_request(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class ServedByMiddleware:
    """With SERVED_BY_HEADER on (load runs), names the web process that answered: X-Served-By:
    INSTANCE_NAME (or the host name)/pid. Without it, a no-op removed at start-up."""

    def __init__(self, get_response):
        from django.conf import settings
        from django.core.exceptions import MiddlewareNotUsed

        if not settings.SERVED_BY_HEADER:
            raise MiddlewareNotUsed
        import os
        import socket

        self.get_response = get_response
        self.value = f"{settings.INSTANCE_NAME or socket.gethostname()}/{os.getpid()}"

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Served-By"] = self.value
        return response
