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
from .national import national_figures, parse_area


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


class NationalRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="The count's code (reports/indicators.py).")
    category = serializers.CharField(
        allow_null=True, help_text="相談経路 or 終結理由 code; null for a count without categories."
    )
    name = serializers.CharField()
    months = serializers.ListField(child=serializers.IntegerField(), help_text="April → March.")
    total = serializers.IntegerField(
        help_text="The year; for distinct cases the distinct count of the year, not the sum of the months."
    )


class NationalTotalSerializer(serializers.Serializer):
    name = serializers.CharField()
    months = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class NationalSectionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    rows = NationalRowSerializer(many=True)
    total = NationalTotalSerializer(allow_null=True, help_text="The sum of the categories, where split.")


class NationalFiguresSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    label = serializers.CharField(help_text="令和6(2024)年度")
    label_western = serializers.CharField(help_text="2024年度")
    period = serializers.DictField(help_text='{"start": "2024-04-01", "end": "2025-03-31"}')
    area = serializers.CharField(allow_null=True, help_text="Area code, or null for all areas.")
    area_name = serializers.CharField()
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM, April → March.")
    sections = NationalSectionSerializer(many=True)


class NationalFiguresApi(APIView):
    """The year's figures in the national frame: new consultations by 相談経路, multi-agency cases, plans
    made and reviewed, 支援会議 and 重層的支援会議 held and cases discussed, closures by 終結理由 — month by
    month (Asia/Tokyo) and for the year, for one area or all. Definitions: reports/indicators.py, README."""

    @extend_schema(
        operation_id="reports_national_figures",
        parameters=[
            OpenApiParameter(
                "fiscal_year", int, required=True, description="e.g. 2024 (April 2024 – March 2025)"
            ),
            OpenApiParameter("area", str, required=False, description="Area code; omit for all areas"),
        ],
        responses={
            200: NationalFiguresSerializer,
            400: OpenApiResponse(description='{"fiscal_year": ["..."]} or {"area": ["..."]}'),
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
        area = parse_area(request.query_params.get("area"))
        with replica_reads():
            data = national_figures(fiscal_year=fiscal_year, area=area)
        data.pop("groups")  # the page's headings; the sections carry the same rows
        return Response(data)


urlpatterns = [
    path(
        "reports/accompanied-activities/", AccompaniedActivitiesApi.as_view(), name="api-reports-accompanied"
    ),
    path("reports/national-figures/", NationalFiguresApi.as_view(), name="api-reports-national"),
]
