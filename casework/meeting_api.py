"""REST API v1 for support meeting records (支援会議, 重層的支援会議, ケース会議).

`GET/POST /api/v1/meetings/`, `GET/PATCH /api/v1/meetings/{id}/`. A meeting the user may not see is a 404
like a missing one; within a visible meeting, `cases` holds only the discussed cases the user may see.
Recording and editing are the holding area team's (others who may see the meeting get 403).
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from config.api_fields import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    PAGE_NOT_FOUND,
    AwareDateTimeField,
    CodeField,
    CodeListField,
    FlatListField,
)
from network.selectors import active_agencies, areas_of

from . import meeting_selectors, meeting_services
from .meeting_services import Discussion
from .models import DiscussedCase, MeetingKind, SupportMeeting
from .selectors import case_list

MAX_ID = 2**63 - 1


def _agencies(context):
    return active_agencies()


def _own_areas(context):
    return areas_of(user=context["request"].user)


def _staff(context):
    return meeting_selectors.meeting_staff_choices()


class DiscussedCaseSerializer(serializers.ModelSerializer):
    """A discussed case as its reader may see it: decisions and the split of roles per case."""

    number = serializers.CharField(source="case.number", read_only=True)

    class Meta:
        model = DiscussedCase
        fields = ["case", "number", "decisions", "roles"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    staff = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recorded_at = AwareDateTimeField(read_only=True)
    updated_at = AwareDateTimeField(read_only=True)
    cases = serializers.SerializerMethodField(
        help_text="The discussed cases you may see (others are left out)."
    )

    class Meta:
        model = SupportMeeting
        fields = [
            "id",
            "kind",
            "area",
            "held_on",
            "agencies",
            "staff",
            "next_meeting_on",
            "confidentiality_acknowledged",
            "cases",
            "recorded_by",
            "recorded_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DiscussedCaseSerializer(many=True))
    def get_cases(self, meeting) -> list:
        return DiscussedCaseSerializer(self.context["discussions"].get(meeting.pk, []), many=True).data


class MeetingSummarySerializer(MeetingSerializer):
    """A list row: the header and the numbers of the discussed cases you may see (no narratives)."""

    cases = serializers.SerializerMethodField(help_text="Ids of the discussed cases you may see.")

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_cases(self, meeting) -> list:
        return [row.case_id for row in self.context["discussions"].get(meeting.pk, [])]


class VisibleCaseField(serializers.IntegerField):
    """A case id among the cases the user may see; hidden and missing cases get the same message."""

    default_error_messages = {"unknown": _("Unknown case: {id}")}

    def to_internal_value(self, data):
        case_id = super().to_internal_value(data)
        in_range = 1 <= case_id <= MAX_ID
        case = in_range and case_list(fetched_by=self.context["request"].user).filter(pk=case_id).first()
        if case is None:
            self.fail("unknown", id=case_id)
        return case

    def to_representation(self, value):
        return value.pk


class DiscussionInputSerializer(serializers.Serializer):
    case = VisibleCaseField(help_text="Id of a case of the meeting's area.")
    decisions = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    roles = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20000,
        help_text="The split of roles among the agencies for this case.",
    )


class DiscussionListField(FlatListField):
    """The discussed cases, each checked as a DiscussionInputSerializer; a bad row's messages come back
    flat, ``{"cases": ["Item 2: Unknown case: 42"]}``, as API.md promises for every 400."""

    def run_child_validation(self, data):
        try:
            return serializers.ListField.run_child_validation(self, data)
        except serializers.ValidationError as error:
            messages = []
            for index, detail in error.detail.items():
                groups = detail.values() if isinstance(detail, dict) else [detail]
                for group in groups:
                    for message in group if isinstance(group, list) else [group]:
                        messages.append(
                            self.error_messages["item"] % {"number": index + 1, "message": message}
                        )
            raise serializers.ValidationError(messages) from None


class MeetingWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    area = CodeField(
        queryset=_own_areas,
        help_text="Code of the area whose team held the meeting (one of yours).",
        error_messages={"unknown": _("Choose an area whose team you belong to.")},
    )
    held_on = serializers.DateField(help_text="The day the meeting was held (not in the future).")
    agencies = CodeListField(
        queryset=_agencies,
        allow_empty=False,
        help_text="Codes of the participating agencies.",
        error_messages={"unknown": _("Unknown agency code: {codes}")},
    )
    staff = CodeListField(
        queryset=_staff,
        code_field="username",
        required=False,
        default=list,
        help_text="Usernames of participating staff (the area team's or a participating agency's).",
        error_messages={"unknown": _("Unknown staff: {codes}")},
    )
    next_meeting_on = serializers.DateField(required=False, allow_null=True, default=None)
    confidentiality_acknowledged = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Required (true) for a 支援会議: its members are bound by confidentiality (§106-6).",
    )
    cases = DiscussionListField(
        child=DiscussionInputSerializer(),
        help_text="The cases discussed. On PATCH, replaces the discussed cases you may see.",
    )

    def to_service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "cases" in data:
            data["discussions"] = [Discussion(**row) for row in data.pop("cases")]
        return data


class MeetingUpdateSerializer(MeetingWriteSerializer):
    """Partial: only the fields given change. The area a meeting was held by does not change."""

    area = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed.")] for name in sorted(unknown)}
            )
        return attrs


def _discussions_by_meeting(meetings, user) -> dict[int, list[DiscussedCase]]:
    rows: dict[int, list[DiscussedCase]] = {}
    for row in (
        DiscussedCase.objects.filter(meeting__in=meetings, case__in=case_list(fetched_by=user))
        .select_related("case")
        .order_by("meeting_id", "id")
    ):
        rows.setdefault(row.meeting_id, []).append(row)
    return rows


def _visible_meeting(request, meeting_id: int) -> SupportMeeting:
    if meeting_id > MAX_ID:
        raise SupportMeeting.DoesNotExist
    return meeting_selectors.meeting_get(fetched_by=request.user, meeting_id=meeting_id)


def _detail_response(
    request, meeting: SupportMeeting, *, status_code: int = 200, audit: bool = True
) -> Response:
    meeting = _visible_meeting(request, meeting.pk)
    rows = list(meeting_selectors.meeting_discussions(meeting=meeting, fetched_by=request.user))
    if audit:
        meeting_services.meeting_record_read(meeting=meeting, read_by=request.user, discussions=rows)
    data = MeetingSerializer(meeting, context={"discussions": {meeting.pk: rows}}).data
    return Response(data, status=status_code)


class MeetingListApi(GenericAPIView):
    """Meeting records you may see, newest first; record a meeting your area team held."""

    serializer_class = MeetingSummarySerializer

    @extend_schema(
        operation_id="meetings_list",
        responses={200: MeetingSummarySerializer(many=True), 404: PAGE_NOT_FOUND},
        tags=["meetings"],
    )
    def get(self, request):
        meetings = meeting_selectors.meeting_list_page_rows(
            meeting_selectors.meeting_list(fetched_by=request.user)
        )
        page = self.paginate_queryset(meetings)
        context = {"discussions": _discussions_by_meeting([m.pk for m in page], request.user)}
        return self.get_paginated_response(MeetingSummarySerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="meetings_create",
        request=MeetingWriteSerializer,
        responses={201: MeetingSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
        tags=["meetings"],
    )
    def post(self, request):
        if not meeting_selectors.can_record_meetings(user=request.user):
            raise PermissionDenied(_("Only area teams record meetings."))
        serializer = MeetingWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        meeting = meeting_services.meeting_record(recorded_by=request.user, **serializer.to_service_kwargs())
        return _detail_response(request, meeting, status_code=status.HTTP_201_CREATED, audit=False)


class MeetingDetailApi(GenericAPIView):
    """One meeting record (the discussed cases you may see); PATCH changes it (the holding area team)."""

    serializer_class = MeetingSerializer

    @extend_schema(
        operation_id="meetings_retrieve",
        responses={200: MeetingSerializer, 404: NOT_FOUND},
        tags=["meetings"],
    )
    def get(self, request, meeting_id: int):
        return _detail_response(request, _visible_meeting(request, meeting_id))

    @extend_schema(
        operation_id="meetings_partial_update",
        request=MeetingUpdateSerializer,
        responses={200: MeetingSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["meetings"],
    )
    def patch(self, request, meeting_id: int):
        meeting = _visible_meeting(request, meeting_id)
        if not meeting_selectors.can_edit_meeting(user=request.user, meeting=meeting):
            raise PermissionDenied(_("Only the area team that held the meeting can change it."))
        serializer = MeetingUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        meeting = meeting_services.meeting_update(
            meeting=meeting, updated_by=request.user, **serializer.to_service_kwargs()
        )
        return _detail_response(request, meeting, audit=False)


urlpatterns = [
    path("meetings/", MeetingListApi.as_view(), name="api-meeting-list"),
    path("meetings/<int:meeting_id>/", MeetingDetailApi.as_view(), name="api-meeting-detail"),
]
