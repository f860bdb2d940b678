"""REST API v1 for the reports (API.md, "Reports"): aggregates only, for managers and coordinators.

Anyone else gets 404, as for a route that does not exist. A missing or invalid `fiscal_year` is a 400.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.db_router import replica_reads

from . import selectors


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, April → March.")
    count = serializers.IntegerField()
    cumulative = serializers.IntegerField()
    expected = serializers.FloatField(
        allow_null=True, help_text="Target × months elapsed ÷ 12; null without target."
    )
    target = serializers.IntegerField(allow_null=True)
    progress = serializers.FloatField(allow_null=True, help_text="Cumulative as % of the year's target.")
    unique_cases = serializers.IntegerField()
    elapsed = serializers.BooleanField()
    is_current = serializers.BooleanField()
    is_report_month = serializers.BooleanField()
    snapshot = serializers.DictField(
        allow_null=True, help_text="The finalised figures, if the month is finalised."
    )
    difference = serializers.IntegerField(
        allow_null=True, help_text="Restated count minus the finalised count."
    )
    cumulative_difference = serializers.IntegerField(allow_null=True)
    restated = serializers.BooleanField()


class BreakdownSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class AreaBreakdownSerializer(BreakdownSerializer):
    area = serializers.CharField(
        help_text="Area code: the area that held the case when the activity happened."
    )
    unique_cases = serializers.IntegerField()
    target = serializers.IntegerField(allow_null=True)


class KindBreakdownSerializer(BreakdownSerializer):
    kind = serializers.CharField()


class IssueBreakdownSerializer(BreakdownSerializer):
    issue = serializers.CharField(help_text="The case's main issue tag.")
    unique_cases = serializers.IntegerField()


class AgencyBreakdownSerializer(BreakdownSerializer):
    agency = serializers.CharField(
        help_text="Agency code; an activity counts once for each agency that joined."
    )
    unique_cases = serializers.IntegerField()


class AccompaniedActivitiesSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    label = serializers.CharField(help_text="令和6(2024)年度")
    target = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField()
    unique_cases = serializers.IntegerField()
    progress = serializers.FloatField(allow_null=True)
    expected_to_date = serializers.FloatField(allow_null=True)
    projection = serializers.IntegerField(
        allow_null=True, help_text="Year-end projection from the pace so far."
    )
    as_of = serializers.DateField()
    months = MonthSerializer(many=True)
    by_area = AreaBreakdownSerializer(many=True)
    by_kind = KindBreakdownSerializer(many=True)
    by_issue = IssueBreakdownSerializer(many=True)
    by_agency = AgencyBreakdownSerializer(many=True)


class AccompaniedActivitiesApi(APIView):
    """伴走支援活動延件数 of a fiscal year: non-voided activities (Asia/Tokyo) with a partner agency,
    each once; month by month with the target's pace and the breakdowns."""

    @extend_schema(
        operation_id="reports_accompanied_activities",
        parameters=[
            OpenApiParameter(
                "fiscal_year", int, required=True, description="e.g. 2024 (April 2024 – March 2025)"
            ),
            OpenApiParameter(
                "month", str, required=False, description="YYYY-MM: the report as of that month"
            ),
        ],
        responses={
            200: AccompaniedActivitiesSerializer,
            400: OpenApiResponse(description='{"fiscal_year": ["..."]}'),
            404: OpenApiResponse(
                description="Not a manager or coordinator (same answer as a missing route)."
            ),
        },
        tags=["reports"],
    )
    def get(self, request):
        if not selectors.can_view_reports(request.user):
            raise Http404
        fiscal_year = selectors.parse_fiscal_year(request.query_params.get("fiscal_year"))
        month = request.query_params.get("month")
        through = selectors.parse_month(month, fiscal_year=fiscal_year) if month else None
        with replica_reads():  # aggregates read from the replica when one is configured (DESIGN.md §5)
            data = selectors.accompanied_activity_report(fiscal_year=fiscal_year, through=through)
        return Response(data)


urlpatterns = [
    path(
        "reports/accompanied-activities/", AccompaniedActivitiesApi.as_view(), name="api-reports-accompanied"
    ),
]
