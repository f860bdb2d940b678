from casework import audit
from config.client_ip import client_ip


class AuditContextMiddleware:
    """Hands the client's address (config/client_ip.py: REMOTE_ADDR, or X-Forwarded-For behind a trusted
    proxy) and channel (web or api) to audit rows written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        token = audit.set_context(audit.AuditContext(ip_address=client_ip(request), channel=channel))
        try:
            return self.get_response(request)
        finally:
            audit.reset_context(token)
