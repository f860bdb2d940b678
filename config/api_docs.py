"""The API docs page (Swagger UI) under a Content-Security-Policy of its own.

Swagger UI is served from this site's static files (drf-spectacular-sidecar) and the split view serves its
start-up script from /api/v1/docs/?script= instead of inline, so scripts stay limited to this site; only
styles need 'unsafe-inline' (Swagger UI sets style attributes).
"""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)
