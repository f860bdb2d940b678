"""The API docs page (Swagger UI) under a Content-Security-Policy of its own.

The split view serves its start-up script from /api/v1/docs/?script= instead of inline, so scripts stay
limited to this site and the pinned Swagger UI on the CDN; only styles need 'unsafe-inline' (Swagger UI
sets style attributes).
"""

from csp.decorators import csp_update
from django.conf import settings
from drf_spectacular.views import SpectacularSwaggerSplitView

SWAGGER_UI = settings.SWAGGER_UI_DIST + "/"

api_docs = csp_update(
    {
        "script-src": [SWAGGER_UI],
        "style-src": [SWAGGER_UI, "'unsafe-inline'"],
        "img-src": [SWAGGER_UI],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))
