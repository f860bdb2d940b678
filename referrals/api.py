"""REST API v1 for referrals (API.md, "Referrals": a fixed contract).

Thin views: reads through referrals.selectors (a referral the user may not see is a 404, like a missing
one), writes through referrals.services (ValidationError → 400, PermissionDenied → 403 for someone who
sees the referral but may not do this, StateConflict → 409; see config.api_errors).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.selectors import case_list
from config.api_fields import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    PAGE_NOT_FOUND,
    AwareDateTimeField,
    CodeField,
)
from config.db_router import replica_reads
from network.fiscal import parse_fiscal_year
from network.models import Area
from network.selectors import active_agencies

from . import selectors, services
from .models import Referral, ReferralKind, ReferralStatus


class ReferralSerializer(serializers.ModelSerializer):
    """A referral as its sender and its receiver see it: the case by id and number only."""

    case_number = serializers.CharField(source="case.number", read_only=True)
    from_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    to_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    requested_at = AwareDateTimeField(read_only=True)
    decided_at = AwareDateTimeField(read_only=True, allow_null=True)
    withdrawn_at = AwareDateTimeField(read_only=True, allow_null=True)
    completed_at = AwareDateTimeField(read_only=True, allow_null=True)
    expired_at = AwareDateTimeField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "case_number",
            "kind",
            "status",
            "from_area",
            "to_area",
            "to_agency",
            "reason",
            "sharing_basis",
            "due_by",
            "overdue",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decline_reason",
            "withdrawn_at",
            "completed_at",
            "outcome",
            "expired_at",
        ]
        read_only_fields = fields

    def get_overdue(self, referral: Referral) -> bool:
        return referral.status == ReferralStatus.REQUESTED and referral.due_by < timezone.localdate()


class ReferralListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices, required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=selectors.DIRECTIONS, required=False, allow_blank=True)


def _visible_cases(context):
    return case_list(fetched_by=context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class VisibleCaseField(serializers.PrimaryKeyRelatedField):
    """A case id the user can see; hidden and missing ids get the same message."""

    def get_queryset(self):
        return _visible_cases(self.context)


class ReferralCreateSerializer(serializers.Serializer):
    case = VisibleCaseField(help_text="Id of a case of your area team.")
    kind = serializers.ChoiceField(choices=ReferralKind.choices)
    to_area = CodeField(
        queryset=lambda context: Area.objects.all(),
        required=False,
        allow_null=True,
        help_text="Code of the receiving area (transfers: required).",
        error_messages={"unknown": _("Unknown area code: {code}")},
    )
    to_agency = CodeField(
        queryset=lambda context: active_agencies(),
        required=False,
        allow_null=True,
        help_text="Code of the receiving agency (collaboration only).",
        error_messages={"unknown": _("Unknown agency code: {code}")},
    )
    reason = serializers.CharField(
        max_length=services.MAX_TEXT, help_text="What you ask the other side to do."
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Only for an agency with no consent or 支援会議 basis (needs the override permission).",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_TEXT)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=services.MAX_TEXT)


class ReferralListApi(GenericAPIView):
    """Referrals the user sent (their area team) or may decide; request a new one."""

    serializer_class = ReferralSerializer

    @extend_schema(
        operation_id="referrals_list",
        parameters=[ReferralListQuerySerializer],
        responses={200: ReferralSerializer(many=True), 400: BAD_REQUEST, 404: PAGE_NOT_FOUND},
        tags=["referrals"],
    )
    def get(self, request):
        query = ReferralListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        referrals = selectors.referral_list(
            fetched_by=request.user,
            status=query.validated_data.get("status", ""),
            direction=query.validated_data.get("direction", ""),
        ).order_by("-requested_at", "-id")
        page = self.paginate_queryset(referrals)
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)

    @extend_schema(
        operation_id="referrals_create",
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 409: CONFLICT},
        tags=["referrals"],
    )
    def post(self, request):
        serializer = ReferralCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral = services.referral_request(
            case=data["case"],
            requested_by=request.user,
            kind=data["kind"],
            reason=data["reason"],
            to_area=data.get("to_area"),
            to_agency=data.get("to_agency"),
            override_reason=data["override_reason"],
        )
        referral = selectors.referral_get(fetched_by=request.user, referral_id=referral.pk)
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralDetailApi(GenericAPIView):
    serializer_class = ReferralSerializer

    @extend_schema(
        operation_id="referrals_retrieve",
        responses={200: ReferralSerializer, 404: NOT_FOUND},
        tags=["referrals"],
    )
    def get(self, request, referral_id: int):
        return Response(
            ReferralSerializer(selectors.referral_get(fetched_by=request.user, referral_id=referral_id)).data
        )


class _ReferralActionApi(GenericAPIView):
    """POST /referrals/{referral_id}/<action>/ → 200 {"status", ...the referral}."""

    serializer_class = ReferralSerializer

    def act(self, request, referral: Referral, data: dict) -> Referral:  # pragma: no cover - abstract
        raise NotImplementedError

    def post(self, request, referral_id: int):
        referral = selectors.referral_get(fetched_by=request.user, referral_id=referral_id)
        # The body's text is checked by the service, after its permission check (403 before 400).
        raw = request.data if isinstance(request.data, dict) else {}
        data = {key: "" if value is None else str(value) for key, value in raw.items()}
        referral = self.act(request, referral, data)
        return Response(ReferralSerializer(referral).data)


ACTION_RESPONSES = {200: ReferralSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}


class ReferralAcceptApi(_ReferralActionApi):
    @extend_schema(
        operation_id="referrals_accept", request=None, responses=ACTION_RESPONSES, tags=["referrals"]
    )
    def post(self, request, referral_id: int):
        return super().post(request, referral_id)

    def act(self, request, referral, data):
        return services.referral_accept(referral=referral, accepted_by=request.user)


class ReferralDeclineApi(_ReferralActionApi):
    @extend_schema(
        operation_id="referrals_decline",
        request=ReasonSerializer,
        responses={**ACTION_RESPONSES, 400: BAD_REQUEST},
        tags=["referrals"],
    )
    def post(self, request, referral_id: int):
        return super().post(request, referral_id)

    def act(self, request, referral, data):
        return services.referral_decline(
            referral=referral, declined_by=request.user, reason=data.get("reason", "")
        )


class ReferralWithdrawApi(_ReferralActionApi):
    @extend_schema(
        operation_id="referrals_withdraw", request=None, responses=ACTION_RESPONSES, tags=["referrals"]
    )
    def post(self, request, referral_id: int):
        return super().post(request, referral_id)

    def act(self, request, referral, data):
        return services.referral_withdraw(referral=referral, withdrawn_by=request.user)


class ReferralCompleteApi(_ReferralActionApi):
    @extend_schema(
        operation_id="referrals_complete",
        request=OutcomeSerializer,
        responses={**ACTION_RESPONSES, 400: BAD_REQUEST},
        tags=["referrals"],
    )
    def post(self, request, referral_id: int):
        return super().post(request, referral_id)

    def act(self, request, referral, data):
        return services.referral_complete(
            referral=referral, completed_by=request.user, outcome=data.get("outcome", "")
        )


class MetricsFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Referrals requested in the period.")
    answered = serializers.IntegerField(help_text="Of those, accepted or declined (decided).")
    accepted = serializers.IntegerField(help_text="Accepted (including those since completed).")
    declined = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(
        allow_null=True, help_text="accepted ÷ answered, 0–1; null if none."
    )
    median_response_business_days = serializers.FloatField(
        allow_null=True, help_text="Median business days from request to answer (Japanese holidays excluded)."
    )
    overdue = serializers.IntegerField(help_text="Answered after the due date, or still unanswered past it.")


class DestinationMetricsSerializer(MetricsFiguresSerializer):
    type = serializers.ChoiceField(choices=["area", "agency"], help_text="The receiving side's kind.")
    code = serializers.CharField(help_text="The receiving area's or agency's code.")
    name = serializers.CharField()


class ReferralMetricsSerializer(MetricsFiguresSerializer):
    fiscal_year = serializers.IntegerField()
    label = serializers.CharField(help_text="e.g. 令和7(2025)年度")
    by_destination = DestinationMetricsSerializer(many=True)


class ReferralMetricsApi(APIView):
    """How referrals requested in a fiscal year (Asia/Tokyo) were answered: time to answer, acceptance and
    overdue, overall and by receiving area or agency. Aggregates only, for managers and coordinators."""

    @extend_schema(
        operation_id="referrals_metrics",
        parameters=[
            OpenApiParameter(
                "fiscal_year", int, required=True, description="e.g. 2025 (April 2025 – March 2026)"
            )
        ],
        responses={
            200: ReferralMetricsSerializer,
            400: OpenApiResponse(description='{"fiscal_year": ["..."]}'),
            404: OpenApiResponse(
                description="Not a manager or coordinator (same answer as a missing route)."
            ),
        },
        tags=["referrals"],
    )
    def get(self, request):
        if not selectors.can_view_metrics(request.user):
            raise Http404
        fiscal_year = parse_fiscal_year(request.query_params.get("fiscal_year"))
        with replica_reads():  # aggregates read from the replica when one is configured (DESIGN.md §5)
            data = selectors.fiscal_year_referral_metrics(fiscal_year=fiscal_year)
        return Response(ReferralMetricsSerializer(data).data)


urlpatterns = [
    path("referrals/", ReferralListApi.as_view(), name="api-referral-list"),
    path("referrals/metrics/", ReferralMetricsApi.as_view(), name="api-referral-metrics"),
    path("referrals/<int:referral_id>/", ReferralDetailApi.as_view(), name="api-referral-detail"),
    path("referrals/<int:referral_id>/accept/", ReferralAcceptApi.as_view(), name="api-referral-accept"),
    path("referrals/<int:referral_id>/decline/", ReferralDeclineApi.as_view(), name="api-referral-decline"),
    path(
        "referrals/<int:referral_id>/withdraw/", ReferralWithdrawApi.as_view(), name="api-referral-withdraw"
    ),
    path(
        "referrals/<int:referral_id>/complete/", ReferralCompleteApi.as_view(), name="api-referral-complete"
    ),
]
