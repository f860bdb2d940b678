"""REST API v1 (API.md). Each app contributes its routes from its own api.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("network.api")),
    path("", include("casework.api")),
    path("", include("casework.meeting_api")),
    path("", include("casework.plan_api")),
    path("", include("reports.api")),
    path("", include("referrals.api")),
]
