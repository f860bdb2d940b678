"""REST API v1 for cases and activities (API.md, "Cases").

Thin views: every read goes through casework.selectors (so permission filtering happens there, once) and
every write through casework.services. Serializers only shape input and output. Domain exceptions
(ValidationError, StateConflict, DoesNotExist) propagate to config.api_errors, which answers 400/409/404.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api_fields import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    PAGE_NOT_FOUND,
    AwareDateTimeField,
    ChoiceListField,
    CodeField,
    CodeListField,
    FieldsBuiltOnceMixin,
)
from network.groups import agency_group_name
from network.models import Agency
from network.selectors import active_agencies, active_agencies_by_code, areas_of

from . import documents, selectors, services
from .models import (
    ASSESSMENT_DOMAINS,
    ASSESSMENT_SUMMARIES,
    AccessBasis,
    Activity,
    ActivityKind,
    Assessment,
    AssessmentStatus,
    Case,
    CaseAccessGrant,
    CaseStatus,
    ClosureReason,
    Consent,
    ConsentDocument,
    ConsentScope,
    ContactMethod,
    HouseholdMember,
    IssueTag,
    Partnership,
    ReferralSource,
    Relationship,
    ScreeningOutcome,
    Sex,
    SupportMeetingRegistration,
    Urgency,
)

# --- output ------------------------------------------------------------------------------------------


CASE_FIELDS = [
    "id",
    "number",
    "area",
    "status",
    "household_name",
    "main_issue",
    "issues",
    "urgency",
    "opened_on",
    "closed_on",
    "lead_caseworker",
    "updated_at",
]


class CaseSummarySerializer(serializers.ModelSerializer):
    """A row of the case list."""

    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    issues = serializers.ListField(
        source="issue_tags", child=serializers.ChoiceField(choices=IssueTag.choices), read_only=True
    )
    lead_caseworker = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    updated_at = AwareDateTimeField(read_only=True)
    last_contact_at = AwareDateTimeField(
        read_only=True, allow_null=True, help_text="The latest activity that was not voided; null if none."
    )
    next_review_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The review date of the plan in force; null if none."
    )

    class Meta:
        model = Case
        fields = list(selectors.SUMMARY_FIELDS)  # what everyone who sees the case sees (sharing by scope)
        read_only_fields = fields


class HouseholdMemberSerializer(serializers.ModelSerializer):
    """A household member (世帯員). ``relationship`` is the member's relation to the person at the centre
    of support; that person is the one member whose relationship is ``self`` (本人), as ``is_focus`` says."""

    issues = serializers.ListField(child=serializers.ChoiceField(choices=IssueTag.choices), read_only=True)
    is_focus = serializers.BooleanField(
        read_only=True, help_text='The person at the centre of support: relationship is "self".'
    )
    partnership = serializers.ChoiceField(
        choices=Partnership.choices,
        allow_blank=True,
        read_only=True,
        help_text='A spouse\'s partnership with the person at the centre; "" for anyone else.',
    )

    class Meta:
        model = HouseholdMember
        fields = [
            "id",
            "case",
            "name",
            "name_kana",
            "birth_date",
            "sex",
            "relationship",
            "phone",
            "issues",
            "is_focus",
            "age",
            "deceased",
            "deceased_year",
            "lives_together",
            "partnership",
            "father",
            "mother",
        ]
        read_only_fields = fields


class CaseMemberSerializer(HouseholdMemberSerializer):
    """A member as the case answer lists it; ``is_central`` is kept for clients written before is_focus."""

    is_central = serializers.BooleanField(
        source="is_focus", read_only=True, help_text="Deprecated: the same as is_focus."
    )

    class Meta(HouseholdMemberSerializer.Meta):
        fields = [*HouseholdMemberSerializer.Meta.fields, "is_central"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSummarySerializer):
    """One case with its personal data decrypted (only ever built from a selector's visible case)."""

    referral_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    # Optional choices answer "" when unset; declared so the schema's enums include the blank value.
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, allow_blank=True, read_only=True)
    contact_method = serializers.ChoiceField(choices=ContactMethod.choices, allow_blank=True, read_only=True)
    referral_source = serializers.ChoiceField(
        choices=ReferralSource.choices, allow_blank=True, read_only=True
    )
    screening_outcome = serializers.ChoiceField(
        choices=ScreeningOutcome.choices, allow_blank=True, read_only=True
    )
    members = CaseMemberSerializer(many=True, read_only=True)
    created_at = AwareDateTimeField(read_only=True)
    last_contact_at = None  # list rows only
    next_review_on = None

    def __init__(self, instance=None, *args, scope: str | None = None, **kwargs):
        """`scope`: what the viewer may see of the case (selectors.case_scope_for), required to answer
        with a case. With `summary` every field outside selectors.SUMMARY_FIELDS is absent from the answer,
        not blanked (DESIGN.md §3). Without an instance (the OpenAPI schema) it has every field."""
        if instance is not None and scope is None:
            raise TypeError("CaseDetailSerializer needs the viewer's scope to answer with a case.")
        super().__init__(instance, *args, **kwargs)
        if instance is not None and scope != ConsentScope.FULL:
            for name in [n for n in self.fields if n not in selectors.SUMMARY_FIELDS]:
                self.fields.pop(name)

    class Meta(CaseSummarySerializer.Meta):
        fields = [
            *CASE_FIELDS,
            "household_name_kana",
            "closure_reason",
            "phone",
            "address",
            "contact_method",
            "referral_source",
            "referral_agency",
            "screening_outcome",
            "wishes",
            "consultation_summary",
            "members",
            "created_at",
        ]
        read_only_fields = fields


class ActivitySerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """One activity as the API answers it (its fields are the same for every row: built once per class)."""

    occurred_at = AwareDateTimeField(read_only=True)
    staff = serializers.SlugRelatedField(slug_field="username", read_only=True)
    logged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Who entered the record (usually the staff)."
    )
    partner_agencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    voided_at = AwareDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "case",
            "occurred_at",
            "kind",
            "minutes",
            "staff",
            "logged_by",
            "partner_agencies",
            "note",
            "voided",
            "void_reason",
            "voided_at",
            "version",
        ]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    """インテーク・アセスメントシート, one version: per domain `<domain>_status` and `<domain>_note`, then
    the summaries. Versions are never changed; a re-assessment is a new version."""

    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recorded_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "case",
            "version",
            "assessed_on",
            *Assessment.content_fields(),
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    """本人同意: the agencies the person agreed to share the case with; in force until ``withdrawn_on``."""

    agencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recorded_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "case", "agencies", "given_on", "scope", "withdrawn_on", "recorded_by", "recorded_at"]
        read_only_fields = fields


class SupportMeetingSerializer(serializers.ModelSerializer):
    """支援会議 registration: its member agencies share the case while ``ended_on`` is null."""

    agencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recorded_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = SupportMeetingRegistration
        fields = [
            "id",
            "case",
            "agencies",
            "registered_on",
            "confidentiality_acknowledged",
            "ended_on",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


# "agency:": derived from network.groups' naming so that the two cannot drift apart.
AGENCY_GROUP_PREFIX = agency_group_name(Agency(code=""))


class CaseShareSerializer(serializers.ModelSerializer):
    """One access grant: who may see the case beyond its area team, on which basis, until when."""

    basis = serializers.ChoiceField(choices=AccessBasis.choices, read_only=True)
    group = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text='The group granted, e.g. "agency:<code>".',
    )
    agency = serializers.SerializerMethodField(help_text="The agency's code when the grant is to an agency.")
    user = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="A person's grant (break-glass)."
    )
    granted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    granted_at = AwareDateTimeField(read_only=True)
    expires_at = AwareDateTimeField(read_only=True, allow_null=True)
    revoked_at = AwareDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = CaseAccessGrant
        fields = [
            "id",
            "case",
            "basis",
            "group",
            "agency",
            "user",
            "source_id",
            "reason",
            "granted_by",
            "granted_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_agency(self, grant: CaseAccessGrant) -> str | None:
        name = grant.group.name if grant.group_id else ""
        return name.removeprefix(AGENCY_GROUP_PREFIX) if name.startswith(AGENCY_GROUP_PREFIX) else None


# --- input -------------------------------------------------------------------------------------------


def _own_areas(context):
    return areas_of(user=context["request"].user)


def _agencies(context):
    return active_agencies()


class CaseListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=(
            "Search among the cases you may see: a case number (2025-0042) or its serial (0042, 42); "
            "two or more characters of the household's or a member's name or kana (hiragana, katakana "
            "and half-width kana alike; spaces and ・ ignored); a phone number in any notation "
            "(hyphens, brackets, +81)."
        ),
    )
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False, allow_blank=True)
    area = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="Area code.")
    issue = serializers.ChoiceField(choices=IssueTag.choices, required=False, allow_blank=True)
    lead = serializers.ChoiceField(
        choices=[(selectors.LEAD_ME, "me")],
        required=False,
        allow_blank=True,
        help_text='"me": only the cases you lead (your caseload).',
    )
    order = serializers.ChoiceField(
        choices=[(name, name) for name in selectors.CASE_ORDERINGS],
        required=False,
        allow_blank=True,
        help_text="Sort order; a leading '-' reverses it. Default: newest opened first.",
    )


class CaseIntakeFieldsSerializer(serializers.Serializer):
    """相談受付 fields shared by create and update; all optional."""

    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    address = serializers.CharField(required=False, allow_blank=True, max_length=500)
    wishes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    consultation_summary = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    contact_method = serializers.ChoiceField(choices=ContactMethod.choices, required=False, allow_blank=True)
    referral_source = serializers.ChoiceField(
        choices=ReferralSource.choices, required=False, allow_blank=True
    )
    referral_agency = CodeField(
        queryset=_agencies, required=False, allow_null=True, help_text="Referring agency's code."
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    screening_outcome = serializers.ChoiceField(
        choices=ScreeningOutcome.choices, required=False, allow_blank=True
    )


class CaseCreateSerializer(CaseIntakeFieldsSerializer):
    """相談受付: open a case in one of your areas; the intake fields are optional."""

    area = CodeField(
        queryset=_own_areas,
        help_text="Code of an area whose team you belong to.",
        # One message for unknown and not-yours: a 400 must not reveal which areas exist.
        error_messages={"unknown": _("Choose an area whose team you belong to.")},
    )
    household_name = serializers.CharField(max_length=100)
    household_name_kana = serializers.CharField(max_length=100)
    issues = ChoiceListField(choices=IssueTag.choices, allow_empty=True)
    main_issue = serializers.ChoiceField(choices=IssueTag.choices)
    opened_on = serializers.DateField(required=False)


class RejectUnknownKeysMixin:
    """For PATCH bodies: a silently ignored key would look like a successful change (e.g. a case's
    "area": transfers are referrals), so unknown or read-only keys are a 400."""

    default_error_messages = {"not_editable": _("This field cannot be changed here.")}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {key: [self.error_messages["not_editable"]] for key in unknown}
                )
        return super().to_internal_value(data)


class CaseUpdateSerializer(RejectUnknownKeysMixin, CaseIntakeFieldsSerializer):
    """PATCH: intake data go to case_update; ``status`` (with ``closure_reason`` to close) to
    case_change_status. Unknown or read-only keys are a 400, never silently ignored."""

    household_name = serializers.CharField(required=False, max_length=100)
    household_name_kana = serializers.CharField(required=False, max_length=100)
    issues = ChoiceListField(choices=IssueTag.choices, required=False, allow_empty=True)
    main_issue = serializers.ChoiceField(choices=IssueTag.choices, required=False)
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, required=False, allow_blank=True)
    status_note = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Note kept with the status change."
    )

    default_error_messages = {
        "reason_without_closing": _('Give closure_reason only together with "status": "closed".'),
    }

    def validate(self, attrs):
        if attrs.get("closure_reason") and attrs.get("status") != CaseStatus.CLOSED:
            raise serializers.ValidationError(
                {"closure_reason": self.error_messages["reason_without_closing"]}
            )
        return attrs


STATUS_CHANGE_FIELDS = ("status", "closure_reason", "status_note")


class MemberCreateSerializer(serializers.Serializer):
    """A new household member. ``is_focus: true`` records them as 本人 (relationship ``self``); a body whose
    is_focus and relationship disagree is a 400."""

    name = serializers.CharField(max_length=100)
    name_kana = serializers.CharField(max_length=100)
    birth_date = serializers.DateField(required=False, allow_null=True)
    relationship = serializers.ChoiceField(
        choices=Relationship.choices, help_text="Relation to the person at the centre of support."
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    is_focus = serializers.BooleanField(
        required=False, help_text='true: this member is the person at the centre (relationship "self").'
    )
    issues = ChoiceListField(choices=IssueTag.choices, required=False, allow_empty=True)
    # for the genogram
    age = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=130,
        help_text="When the birth date is unknown.",
    )
    deceased = serializers.BooleanField(required=False)
    deceased_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2200)
    lives_together = serializers.BooleanField(required=False)
    partnership = serializers.ChoiceField(
        choices=Partnership.choices,
        required=False,
        allow_blank=True,
        help_text="A spouse's: married, separated or divorced.",
    )
    father = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Id of another member of the same household."
    )
    mother = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Id of another member of the same household."
    )


def _member_parents(case, data: dict) -> dict:
    """The father/mother ids of a member body → members of the same case (another case's is a 400)."""
    data = dict(data)
    for role in ("father", "mother"):
        if data.get(role) is not None:
            parent = case.members.filter(pk=data[role]).first()
            if parent is None:
                raise serializers.ValidationError({role: ["Choose a member of this household."]})
            data[role] = parent
    return data


class MemberUpdateSerializer(RejectUnknownKeysMixin, MemberCreateSerializer):
    """PATCH: any of the member's fields; unknown or read-only keys are a 400."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ActivityCreateSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    occurred_at = AwareDateTimeField(help_text="ISO 8601 with offset, e.g. 2025-03-31T23:30:00+09:00.")
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    minutes = serializers.IntegerField(min_value=0, max_value=24 * 60, required=False, default=0)
    partner_agencies = CodeListField(
        queryset=_agencies,
        lookup=lambda context, codes: active_agencies_by_code(codes),  # cached: no query per request
        required=False,
        default=list,
        allow_empty=True,
        help_text="Codes of the partner agencies the activity was done together with.",
        error_messages={"unknown": _("Unknown agency code: {codes}")},
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)


class AssessmentCreateSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    """A new version. Every field is optional: what is left out is copied from the latest version (or is
    `unknown` / empty for the first assessment); `assessed_on` defaults to today."""

    assessed_on = serializers.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        for code, label in ASSESSMENT_DOMAINS:
            fields[f"{code}_status"] = serializers.ChoiceField(
                choices=AssessmentStatus.choices, required=False, help_text=label
            )
            fields[f"{code}_note"] = serializers.CharField(
                required=False, allow_blank=True, max_length=4000, trim_whitespace=True, help_text=label
            )
        for code, label in ASSESSMENT_SUMMARIES:
            fields[code] = serializers.CharField(
                required=False, allow_blank=True, max_length=4000, trim_whitespace=True, help_text=label
            )
        return fields


class ActivityVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


def _agency_list(help_text: str) -> CodeListField:
    return CodeListField(
        queryset=_agencies,
        allow_empty=False,
        help_text=help_text,
        error_messages={"unknown": _("Unknown agency code: {codes}")},
    )


class ConsentScopeField(serializers.ChoiceField):
    """`summary` or `full`; `all` is accepted as `full` (API.md: kept for its earlier clients)."""

    ALIASES = {"all": ConsentScope.FULL}

    def __init__(self, **kwargs):
        super().__init__(choices=[*ConsentScope.choices, ("all", "full")], **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return self.ALIASES.get(value, value)


class ConsentCreateSerializer(serializers.Serializer):
    agencies = _agency_list("Codes of the agencies the person agreed to share the case with.")
    given_on = serializers.DateField(help_text="The day the consent was given (not in the future).")
    scope = ConsentScopeField(
        required=False,
        default=ConsentScope.SUMMARY,
        help_text=(
            "What the agencies see: `summary` (household name, issues, status, the plan's roles, their own "
            "activities) or `full` (everything, address, phone and notes included); `all` means `full`. "
            "Default `summary`."
        ),
    )


class SupportMeetingCreateSerializer(serializers.Serializer):
    agencies = _agency_list("Codes of the member agencies of the 支援会議.")
    registered_on = serializers.DateField(help_text="The day of registration (not in the future).")
    confidentiality_acknowledged = serializers.BooleanField(
        help_text="Must be true: the members are bound by the duty of confidentiality (守秘義務, §106-6)."
    )


class CaseShareCreateSerializer(serializers.Serializer):
    agency = CodeField(
        queryset=_agencies,
        help_text="Code of the agency to share the case with.",
        error_messages={"unknown": _("Unknown agency code: {code}")},
    )
    reason = serializers.CharField(max_length=2000, help_text="Why the case is shared without consent.")


class BreakGlassSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why you must open this case (audited).")


# --- views -------------------------------------------------------------------------------------------


def _visible_case(request, case_id) -> Case:
    """The case if the user may see it; Case.DoesNotExist (→ 404) for hidden and missing alike."""
    return selectors.case_get(fetched_by=request.user, case_id=case_id)


def _assessable_case(request, case_id) -> Case:
    """The case if the user may read its assessments; Case.DoesNotExist (→ 404) otherwise."""
    case = selectors.case_list(fetched_by=request.user).get(pk=case_id)
    if not selectors.can_read_assessment(user=request.user, case=case):
        raise Case.DoesNotExist
    return case


def _require_case_team(request, case: Case) -> None:
    """Editing intake data and the lifecycle is the area team's; others who may see the case get 403."""
    if not selectors.is_on_case_team(user=request.user, case=case):
        raise PermissionDenied(_("Only the case's area team can change the case."))


def _require_activity_logging(request, case: Case) -> None:
    """The area team and agencies the case is shared with log and void activities (not break-glass)."""
    if not selectors.can_log_activity(user=request.user, case=case):
        raise PermissionDenied(_("You may see this case but not record activities on it."))


def _require_sharing_manager(request, case: Case) -> None:
    """Consents, 支援会議 and overrides are the area team's to see and record; others who see it get 403."""
    if not selectors.can_manage_sharing(user=request.user, case=case):
        raise PermissionDenied(_("Only the case's area team can see and change how it is shared."))


def _active_grants(case: Case) -> QuerySet[CaseAccessGrant]:
    """The case's grants in force: not revoked and not expired (a break-glass read ends after hours)."""
    return (
        selectors.case_sharing(case=case)["grants"]
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("granted_by")
        .order_by("-granted_at", "-id")
    )


def _case_answer(request, case: Case) -> dict:
    """The case as this user may see it: decided afresh on every request (selectors.case_scope_for)."""
    return CaseDetailSerializer(case, scope=selectors.case_scope_for(user=request.user, case=case)).data


def _require_full_scope(request, case: Case) -> None:
    """Household members and consent forms are outside a summary scope: for that viewer they do not
    exist (404), as for someone who may not see the case."""
    if selectors.case_scope_for(user=request.user, case=case) != ConsentScope.FULL:
        raise Case.DoesNotExist


def _case_created_response(request, case: Case) -> Response:
    location = request.build_absolute_uri(reverse("api-case-detail", kwargs={"case_id": case.pk}))
    return Response(
        _case_answer(request, case), status=status.HTTP_201_CREATED, headers={"Location": location}
    )


class CaseListApi(GenericAPIView):
    """Cases the user may see, newest first; open a case in one of the user's areas."""

    serializer_class = CaseSummarySerializer

    @extend_schema(
        operation_id="cases_list",
        parameters=[CaseListQuerySerializer],
        responses={200: CaseSummarySerializer(many=True), 400: BAD_REQUEST, 404: PAGE_NOT_FOUND},
        tags=["cases"],
    )
    def get(self, request):
        query = CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        order = query.validated_data.pop("order", "")
        filters = selectors.CaseFilters(**query.validated_data)
        cases = selectors.case_list_page_rows(
            selectors.case_list_ordered(selectors.case_list(fetched_by=request.user, filters=filters), order)
        )
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(CaseSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_create",
        request=CaseCreateSerializer,
        responses={201: CaseDetailSerializer, 400: BAD_REQUEST},
        tags=["cases"],
    )
    def post(self, request):
        serializer = CaseCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        case = services.case_open(opened_by=request.user, **serializer.validated_data)
        return _case_created_response(request, _visible_case(request, case.pk))


class CaseDetailApi(GenericAPIView):
    """One visible case; PATCH edits intake data and moves the lifecycle."""

    serializer_class = CaseDetailSerializer

    @extend_schema(
        operation_id="cases_retrieve", responses={200: CaseDetailSerializer, 404: NOT_FOUND}, tags=["cases"]
    )
    def get(self, request, case_id: int):
        case = _visible_case(request, case_id)
        services.case_record_read(case=case, read_by=request.user)  # every read of personal data is audited
        return Response(_case_answer(request, case))

    @extend_schema(
        operation_id="cases_partial_update",
        request=CaseUpdateSerializer,
        responses={
            200: CaseDetailSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        tags=["cases"],
    )
    def patch(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_case_team(request, case)
        serializer = CaseUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        status_change = {key: changes.pop(key) for key in STATUS_CHANGE_FIELDS if key in changes}
        # Both or neither: a 409 on the status must not leave the intake edit behind.
        with transaction.atomic():
            if changes:
                case = services.case_update(case=case, updated_by=request.user, **changes)
            if "status" in status_change:
                services.case_change_status(
                    case=case,
                    changed_by=request.user,
                    status=status_change["status"],
                    closure_reason=status_change.get("closure_reason", ""),
                    note=status_change.get("status_note", ""),
                )
        return Response(_case_answer(request, _visible_case(request, case_id)))


def _answer_partners_from(activity: Activity, agencies: list[Agency]) -> None:
    """The answer lists the partners just validated and linked, in the order a read gives (Agency's
    ordering, by code), instead of reading the links back."""
    partners = activity.partner_agencies.all()  # not evaluated: filled below, as prefetch_related does
    partners._result_cache = sorted(agencies, key=lambda agency: agency.code)
    partners._prefetch_done = True
    activity._prefetched_objects_cache = {
        **getattr(activity, "_prefetched_objects_cache", {}),
        "partner_agencies": partners,
    }


class CaseActivityListApi(GenericAPIView):
    """A visible case's activities, newest first (voided ones included, marked voided); log a new one."""

    serializer_class = ActivitySerializer

    @extend_schema(
        operation_id="cases_activities_list",
        responses={200: ActivitySerializer(many=True), 404: NOT_FOUND},
        tags=["activities"],
    )
    def get(self, request, case_id: int):
        case = _visible_case(request, case_id)
        scope = selectors.case_scope_for(user=request.user, case=case)
        activities = selectors.case_activities_in_scope(case=case, user=request.user, scope=scope)
        page = self.paginate_queryset(activities)
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_activities_create",
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["activities"],
    )
    def post(self, request, case_id: int):
        case = selectors.case_for_write(fetched_by=request.user, case_id=case_id)  # team check included
        _require_activity_logging(request, case)
        serializer = ActivityCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        activity = services.activity_log(case=case, logged_by=request.user, **serializer.validated_data)
        _answer_partners_from(activity, serializer.validated_data["partner_agencies"])
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


class CaseMemberListApi(GenericAPIView):
    """A visible case's household members, 本人 first (an audited read of personal data); add one."""

    serializer_class = HouseholdMemberSerializer
    pagination_class = None  # a household is a handful of people: a plain list (API.md)

    @extend_schema(
        operation_id="cases_members_list",
        responses={200: HouseholdMemberSerializer(many=True), 404: NOT_FOUND},
        tags=["members"],
    )
    def get(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_full_scope(request, case)
        services.case_record_read(case=case, read_by=request.user)
        return Response(HouseholdMemberSerializer(selectors.case_members(case=case), many=True).data)

    @extend_schema(
        operation_id="cases_members_create",
        request=MemberCreateSerializer,
        responses={201: HouseholdMemberSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["members"],
    )
    def post(self, request, case_id: int):
        case = selectors.case_list(fetched_by=request.user).get(pk=case_id)  # no page joins for a write
        _require_case_team(request, case)
        serializer = MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = _member_parents(case, serializer.validated_data)
        member = services.member_add(case=case, added_by=request.user, **fields)
        return Response(HouseholdMemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailApi(GenericAPIView):
    """Edit a member of a visible case; audited as member.change with old → new (personal values masked)."""

    serializer_class = HouseholdMemberSerializer

    @extend_schema(
        operation_id="members_partial_update",
        request=MemberUpdateSerializer,
        responses={200: HouseholdMemberSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["members"],
    )
    def patch(self, request, member_id: int):
        member = selectors.member_get(fetched_by=request.user, member_id=member_id)
        _require_case_team(request, member.case)
        serializer = MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = _member_parents(member.case, serializer.validated_data)
        member = services.member_update(member=member, updated_by=request.user, **fields)
        return Response(HouseholdMemberSerializer(member).data)


class CaseAssessmentListApi(GenericAPIView):
    """A case's assessment versions, newest first (an audited read); record a (re-)assessment."""

    serializer_class = AssessmentSerializer

    @extend_schema(
        operation_id="cases_assessments_list",
        responses={200: AssessmentSerializer(many=True), 404: NOT_FOUND},
        tags=["assessments"],
    )
    def get(self, request, case_id: int):
        case = _assessable_case(request, case_id)
        page = self.paginate_queryset(selectors.case_assessments(case=case))
        services.assessment_record_read(case=case, read_by=request.user)
        return self.get_paginated_response(AssessmentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_assessments_create",
        request=AssessmentCreateSerializer,
        responses={201: AssessmentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["assessments"],
    )
    def post(self, request, case_id: int):
        case = _assessable_case(request, case_id)
        if not selectors.can_record_assessment(user=request.user, case=case):
            raise PermissionDenied(_("Only the case's area team can change the case."))
        serializer = AssessmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.assessment_record(
            case=case, recorded_by=request.user, **serializer.validated_data
        )
        location = request.build_absolute_uri(
            reverse("api-assessment-detail", kwargs={"assessment_id": assessment.pk})
        )
        return Response(
            AssessmentSerializer(assessment).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class AssessmentDetailApi(GenericAPIView):
    """One assessment version as written (an audited read)."""

    serializer_class = AssessmentSerializer

    @extend_schema(
        operation_id="assessments_retrieve",
        responses={200: AssessmentSerializer, 404: NOT_FOUND},
        tags=["assessments"],
    )
    def get(self, request, assessment_id: int):
        assessment = selectors.assessment_get(fetched_by=request.user, assessment_id=assessment_id)
        services.assessment_record_read(case=assessment.case, read_by=request.user, assessment=assessment)
        return Response(AssessmentSerializer(assessment).data)


class ActivityVoidApi(GenericAPIView):
    """Void an activity: it stays listed, marked voided, and counts nowhere."""

    serializer_class = ActivitySerializer

    @extend_schema(
        operation_id="activities_void",
        request=ActivityVoidSerializer,
        responses={200: ActivitySerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        tags=["activities"],
    )
    def post(self, request, activity_id: int):
        activity = selectors.activity_get(fetched_by=request.user, activity_id=activity_id)
        if not selectors.can_void_activity(user=request.user, activity=activity):
            raise PermissionDenied(services.VOID_REFUSED)
        serializer = ActivityVoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = services.activity_void(
            activity=activity, voided_by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(ActivitySerializer(activity).data)


# --- sharing: consents, 支援会議, overrides, break-glass ----------------------------------------------


class CaseConsentListApi(GenericAPIView):
    """本人同意: the case's consents (withdrawn ones too); record one, sharing the case with its agencies."""

    serializer_class = ConsentSerializer

    @extend_schema(
        operation_id="cases_consents_list",
        responses={200: ConsentSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def get(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        consents = selectors.case_sharing(case=case)["consents"].select_related("recorded_by")
        page = self.paginate_queryset(consents)
        return self.get_paginated_response(ConsentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_consents_create",
        request=ConsentCreateSerializer,
        responses={201: ConsentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def post(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        serializer = ConsentCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        consent = services.consent_give(case=case, given_by=request.user, **serializer.validated_data)
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


class CaseConsentWithdrawApi(GenericAPIView):
    """Withdraw a consent: its agencies lose access unless another basis (meeting, override) remains."""

    serializer_class = ConsentSerializer

    @extend_schema(
        operation_id="cases_consents_withdraw",
        request=None,
        responses={200: ConsentSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        tags=["sharing"],
    )
    def post(self, request, case_id: int, consent_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        consent = case.consents.get(pk=consent_id)  # scoped to the case: another case's consent → 404
        consent = services.consent_withdraw(consent=consent, withdrawn_by=request.user)
        return Response(ConsentSerializer(consent).data)


class ConsentDocumentSerializer(serializers.ModelSerializer):
    """The scanned consent form's facts; the file itself is the GET of the same path."""

    consent = serializers.PrimaryKeyRelatedField(read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    uploaded_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = ConsentDocument
        fields = ["consent", "filename", "content_type", "size", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class ConsentDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The scanned consent form: PDF, JPEG or PNG (checked by content), at most "
        "CONSENT_DOCUMENT_MAX_BYTES (20 MB by default)."
    )


class JsonAnswers(DefaultContentNegotiation):
    """The file itself is streamed, never rendered; every rendered answer (errors, the upload's) is JSON,
    whatever Accept header or ?format= the client sends."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _consent_document(request, case: Case, consent_id: int) -> ConsentDocument:
    return selectors.consent_document_get(fetched_by=request.user, case=case, consent_id=consent_id)  # → 404


class ConsentDocumentApi(GenericAPIView):
    """The scanned consent form of a consent: download (whoever may see the case; audited), attach or
    replace (multipart, the area team), remove (the area team). Stored encrypted."""

    serializer_class = ConsentDocumentSerializer
    parser_classes = [MultiPartParser]
    renderer_classes = [renderers.JSONRenderer]
    content_negotiation_class = JsonAnswers

    @extend_schema(
        operation_id="cases_consents_document_download",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The decrypted file, streamed as an attachment; also image/jpeg or image/png.",
            ),
            404: NOT_FOUND,
        },
        tags=["sharing"],
    )
    def get(self, request, case_id: int, consent_id: int):
        document = _consent_document(request, _visible_case(request, case_id), consent_id)
        return documents.download_response(
            services.consent_document_read(document=document, read_by=request.user), document
        )

    @extend_schema(
        operation_id="cases_consents_document_upload",
        request={"multipart/form-data": ConsentDocumentUploadSerializer},
        responses={201: ConsentDocumentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def post(self, request, case_id: int, consent_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        consent = case.consents.get(pk=consent_id)  # scoped to the case: another case's consent → 404
        serializer = ConsentDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.consent_document_attach(
            consent=consent, uploaded_by=request.user, upload=serializer.validated_data["file"]
        )
        return Response(ConsentDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="cases_consents_document_delete",
        request=None,
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def delete(self, request, case_id: int, consent_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        document = _consent_document(request, case, consent_id)
        services.consent_document_delete(document=document, deleted_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseSupportMeetingListApi(GenericAPIView):
    """支援会議 registrations of the case (ended ones included); register one, sharing with its members."""

    serializer_class = SupportMeetingSerializer

    @extend_schema(
        operation_id="cases_support_meetings_list",
        responses={200: SupportMeetingSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def get(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        registrations = selectors.case_sharing(case=case)["meetings"].select_related("recorded_by")
        page = self.paginate_queryset(registrations)
        return self.get_paginated_response(SupportMeetingSerializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_support_meetings_create",
        request=SupportMeetingCreateSerializer,
        responses={201: SupportMeetingSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def post(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        serializer = SupportMeetingCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        registration = services.support_meeting_register(
            case=case, registered_by=request.user, **serializer.validated_data
        )
        return Response(SupportMeetingSerializer(registration).data, status=status.HTTP_201_CREATED)


class CaseSupportMeetingEndApi(GenericAPIView):
    """End a 支援会議 registration: its members lose access unless another basis remains."""

    serializer_class = SupportMeetingSerializer

    @extend_schema(
        operation_id="cases_support_meetings_end",
        request=None,
        responses={200: SupportMeetingSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        tags=["sharing"],
    )
    def post(self, request, case_id: int, registration_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        registration = case.meeting_registrations.get(pk=registration_id)  # scoped to the case
        registration = services.support_meeting_end(registration=registration, ended_by=request.user)
        return Response(SupportMeetingSerializer(registration).data)


class CaseShareListApi(GenericAPIView):
    """Who may see the case beyond its area team, and why; share with an agency without consent (override)."""

    serializer_class = CaseShareSerializer

    @extend_schema(
        operation_id="cases_shares_list",
        responses={200: CaseShareSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def get(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        page = self.paginate_queryset(_active_grants(case))
        return self.get_paginated_response(CaseShareSerializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_shares_create",
        request=CaseShareCreateSerializer,
        responses={201: CaseShareSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def post(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_sharing_manager(request, case)
        # Before validating the body, so someone without the permission is not coached through the form.
        if not request.user.has_perm("casework.share_without_basis"):
            raise PermissionDenied(_("Sharing without a recorded basis needs the override permission."))
        serializer = CaseShareCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        grant = services.case_share_override(case=case, shared_by=request.user, **serializer.validated_data)
        return Response(CaseShareSerializer(grant).data, status=status.HTTP_201_CREATED)


class CaseBreakGlassApi(GenericAPIView):
    """緊急閲覧: a manager opens one case's personal data for a few hours, with a reason, always audited.

    Without the break_glass permission the answer is what the user already knows: 403 for a case they
    can see, 404 for every other id, existing or not. With it, the case is looked up directly (the
    manager cannot see it yet), so a manager is the only one who learns whether an id exists.
    """

    serializer_class = CaseShareSerializer

    @extend_schema(
        operation_id="cases_break_glass_create",
        request=BreakGlassSerializer,
        responses={201: CaseShareSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["sharing"],
    )
    def post(self, request, case_id: int):
        if not request.user.has_perm("casework.break_glass"):
            _visible_case(request, case_id)  # 404 unless the user can see the case anyway
            raise PermissionDenied(_("Only managers may use break-glass access."))
        case = Case.objects.get(pk=case_id)  # not case_list: the point is a case you cannot see yet
        serializer = BreakGlassSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = services.case_break_glass(case=case, opened_by=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("api-case-detail", kwargs={"case_id": case.pk}))
        return Response(
            CaseShareSerializer(grant).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


urlpatterns = [
    path("cases/", CaseListApi.as_view(), name="api-case-list"),
    path("cases/<int:case_id>/", CaseDetailApi.as_view(), name="api-case-detail"),
    path("cases/<int:case_id>/activities/", CaseActivityListApi.as_view(), name="api-case-activity-list"),
    path(
        "cases/<int:case_id>/assessments/", CaseAssessmentListApi.as_view(), name="api-case-assessment-list"
    ),
    path("assessments/<int:assessment_id>/", AssessmentDetailApi.as_view(), name="api-assessment-detail"),
    path("activities/<int:activity_id>/void/", ActivityVoidApi.as_view(), name="api-activity-void"),
    path("cases/<int:case_id>/members/", CaseMemberListApi.as_view(), name="api-case-member-list"),
    path("members/<int:member_id>/", MemberDetailApi.as_view(), name="api-member-detail"),
    path("cases/<int:case_id>/consents/", CaseConsentListApi.as_view(), name="api-case-consent-list"),
    path(
        "cases/<int:case_id>/consents/<int:consent_id>/withdraw/",
        CaseConsentWithdrawApi.as_view(),
        name="api-case-consent-withdraw",
    ),
    path(
        "cases/<int:case_id>/consents/<int:consent_id>/document/",
        ConsentDocumentApi.as_view(),
        name="api-case-consent-document",
    ),
    path(
        "cases/<int:case_id>/support-meetings/",
        CaseSupportMeetingListApi.as_view(),
        name="api-case-support-meeting-list",
    ),
    path(
        "cases/<int:case_id>/support-meetings/<int:registration_id>/end/",
        CaseSupportMeetingEndApi.as_view(),
        name="api-case-support-meeting-end",
    ),
    path("cases/<int:case_id>/shares/", CaseShareListApi.as_view(), name="api-case-share-list"),
    path("cases/<int:case_id>/break-glass/", CaseBreakGlassApi.as_view(), name="api-case-break-glass"),
]
