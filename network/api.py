"""REST API v1 for the network (API.md): token login and master data (areas, agencies).

Master data is referred to by ``code`` everywhere in the API; ids stay internal.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_fields import TOO_MANY_REQUESTS

from .models import Agency, AgencyKind, Area
from .selectors import agencies_for_picker
from .twofactor import has_confirmed_device, second_factor_required, totp_device_for, totp_verify

# --- auth ------------------------------------------------------------------------------------------


def check_second_factor(*, user, otp: str) -> bool:
    """The one place the token login checks a second factor (API.md): TOTP roles and users with a confirmed
    device must send the current code as ``otp``; a wrong or missing code fails like a wrong password, and
    so does a TOTP role that has not enrolled yet (a password alone never yields a token for them).
    """
    if not second_factor_required(user=user):
        return True
    if not has_confirmed_device(user=user):
        return False
    return bool(otp) and totp_verify(device=totp_device_for(user=user), token=otp)


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")

    default_error_messages = {
        # One message for every failure, so the answer never tells which part was wrong.
        "invalid_login": _("Unable to log in with the given username, password and one-time code."),
    }

    def validate(self, attrs):
        # The plain HttpRequest, as django.contrib.auth.login() would see it: login protection (django-axes)
        # and the audit log hang off the auth signals and read it.
        request = self.context["request"]
        http_request = getattr(request, "_request", request)
        # authenticate() returns None for inactive and locked-out users too.
        user = authenticate(http_request, username=attrs["username"], password=attrs["password"])
        if user is None:
            self.fail("invalid_login")
        if not check_second_factor(user=user, otp=attrs["otp"]):
            # A wrong code counts as a failed login (lockout, audit) just like a wrong password.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": attrs["username"], "step": "totp"},
                request=http_request,
            )
            self.fail("invalid_login")
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenObtainApi(APIView):
    """Exchange username, password (and the current TOTP code, if enrolled) for an API token."""

    # No authentication here: a stale token in the header must not turn a login into a 401.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenObtainSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong credentials."),
            429: TOO_MANY_REQUESTS,
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        # What django.contrib.auth.login() sends: updates last_login and lets the audit log see API logins.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key})


# --- master data -------------------------------------------------------------------------------------


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["code", "name"]


class AgencySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=AgencyKind.choices)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    aliases = serializers.ListField(
        source="alias_list",
        child=serializers.CharField(),
        read_only=True,
        help_text="Other names staff type for the agency (ほうかつ, 社協); a picker matches them too.",
    )

    class Meta:
        model = Agency
        fields = ["code", "name", "reading", "aliases", "kind", "area"]


class AreaListApi(APIView):
    """The coordinating areas (editable master data)."""

    @extend_schema(operation_id="areas_list", responses=AreaSerializer(many=True), tags=["master data"])
    def get(self, request):
        return Response(AreaSerializer(Area.objects.all(), many=True).data)


class AgencyListApi(APIView):
    """The active partner agencies and centres; ``area`` null means city-wide. The user's own area's
    agencies come first, then city-wide ones, then the other areas' (the web picker's order)."""

    @extend_schema(operation_id="agencies_list", responses=AgencySerializer(many=True), tags=["master data"])
    def get(self, request):
        return Response(AgencySerializer(agencies_for_picker(user=request.user), many=True).data)


urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-auth-token"),
    path("areas/", AreaListApi.as_view(), name="api-area-list"),
    path("agencies/", AgencyListApi.as_view(), name="api-agency-list"),
]
