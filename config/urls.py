from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from casework.forms import LoginForm
from config import health
from config.api_docs import api_docs
from network import views as network_views
from today import views as today_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", today_views.landing, name="landing"),
    path("today/", include("today.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/2fa/", network_views.two_factor, name="two_factor"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("cases/", include("casework.urls")),
    path("meetings/", include("casework.meeting_urls")),
    path("audit/", include("casework.audit_urls")),
    path("reports/", include("reports.urls")),
    path("referrals/", include("referrals.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", api_docs, name="api-docs"),
]

# JSON under /api/, the usual pages elsewhere (config/handlers.py).
handler404 = "config.handlers.page_not_found"
handler500 = "config.handlers.server_error"
