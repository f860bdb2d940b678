from casework import audit


class AuditContextMiddleware:
    """Hands the request's address and channel (web or api) to audit rows written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        token = audit.set_context(
            audit.AuditContext(ip_address=request.META.get("REMOTE_ADDR"), channel=channel)
        )
        try:
            return self.get_response(request)
        finally:
            audit.reset_context(token)
