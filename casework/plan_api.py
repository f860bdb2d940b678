"""REST API v1 for the plan sheet (プランシート) and its evaluations (評価).

`GET/POST /api/v1/cases/{id}/plans/`, `GET /api/v1/cases/{id}/plans/{plan_id}/`,
`GET/POST /api/v1/cases/{id}/plans/{plan_id}/evaluations/`.

Access is the case's: a case the user may not see is a 404 (and so is a plan of another case); writes are
the case's area team's (403 for others who see it). Under a `summary` scope a plan is its dates and its
agencies' roles (agency, support, frequency) — no goals, no wishes, no agreement; an evaluation is its
dates, decision and per-goal results, without comments. A full-scope read is an audited read of the case.
Validation errors are flat: `{"goals.1.actions.0.agency": ["..."]}`.
"""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from config.api_fields import BAD_REQUEST, CONFLICT, FORBIDDEN, NOT_FOUND, AwareDateTimeField, CodeField
from network.selectors import active_agencies

from . import selectors, services
from .api import _require_case_team, _visible_case
from .models import (
    AgreementMethod,
    ClosureReason,
    ConsentScope,
    EvaluationDecision,
    GoalResult,
    PlanActor,
    PlanEvaluation,
    PlanGoal,
    PlanGoalEvaluation,
    PlanRole,
    SupportPlan,
)

SUMMARY_PLAN_FIELDS = ("id", "case", "created_on", "review_on", "in_force", "roles")
SUMMARY_ROLE_FIELDS = ("agency", "support", "frequency")
EVALUATION_COMMENTS = ("comment",)


def _agencies(context):
    return active_agencies()


# --- answers ----------------------------------------------------------------------------------------


class PlanActionSerializer(serializers.ModelSerializer):
    """An action: who (`agency` with an agency code, or `person` 本人 / `family` 家族 / `caseworker`
    担当相談員 / `other`), what (`support`), how often, by when."""

    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = PlanRole
        fields = ["id", "goal", "who", "agency", "support", "frequency", "by_when"]
        read_only_fields = fields


class PlanGoalSerializer(serializers.ModelSerializer):
    actions = PlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = PlanGoal
        fields = ["id", "order", "text", "actions"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    """A plan version. `roles` are all its actions (under `summary`: the agencies' roles only, as agency,
    support and frequency); `goals` hold the same actions under their goal. `in_force`: the newest plan."""

    goals = PlanGoalSerializer(many=True, read_only=True)
    roles = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()
    agreement_method = serializers.ChoiceField(
        choices=AgreementMethod.choices, allow_blank=True, read_only=True
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    def __init__(self, *args, scope: str = ConsentScope.FULL, in_force_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope, self.in_force_id = scope, in_force_id
        if scope != ConsentScope.FULL:
            for name in [n for n in self.fields if n not in SUMMARY_PLAN_FIELDS]:
                self.fields.pop(name)

    @extend_schema_field(PlanActionSerializer(many=True))
    def get_roles(self, plan: SupportPlan) -> list[dict]:
        if self.scope == ConsentScope.FULL:
            return PlanActionSerializer(plan.roles.all(), many=True).data
        return [
            {name: row[name] for name in SUMMARY_ROLE_FIELDS}
            for row in PlanActionSerializer(plan.agency_roles(), many=True).data
        ]

    def get_in_force(self, plan: SupportPlan) -> bool:
        return plan.pk == self.in_force_id

    class Meta:
        model = SupportPlan
        fields = [
            "id",
            "case",
            "created_on",
            "in_force",
            "review_on",
            "decided_at_meeting_on",
            "wishes",
            "long_term_goal",
            "goals",
            "roles",
            "agreed_on",
            "agreement_method",
            "agreement_note",
            "created_by",
        ]
        read_only_fields = fields


class GoalResultSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="goal.order", read_only=True)

    class Meta:
        model = PlanGoalEvaluation
        fields = ["goal", "order", "result", "comment"]
        read_only_fields = fields


class PlanEvaluationSerializer(serializers.ModelSerializer):
    results = GoalResultSerializer(source="goal_results", many=True, read_only=True)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, allow_blank=True, read_only=True)
    evaluated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recorded_at = AwareDateTimeField(read_only=True)

    def __init__(self, *args, scope: str = ConsentScope.FULL, **kwargs):
        super().__init__(*args, **kwargs)
        if scope != ConsentScope.FULL:
            self.fields.pop("comment")
            self.fields["results"].child.fields.pop("comment")

    class Meta:
        model = PlanEvaluation
        fields = [
            "id",
            "plan",
            "evaluated_on",
            "decision",
            "results",
            "next_review_on",
            "closure_reason",
            "comment",
            "evaluated_by",
            "recorded_at",
        ]
        read_only_fields = fields


# --- input ------------------------------------------------------------------------------------------


class PlanActionInputSerializer(serializers.Serializer):
    who = serializers.ChoiceField(choices=PlanActor.choices, required=False, default=PlanActor.AGENCY)
    agency = CodeField(
        queryset=_agencies,
        required=False,
        allow_null=True,
        default=None,
        help_text="The agency's code when `who` is `agency` (the default).",
    )
    support = serializers.CharField(max_length=services.PLAN_TEXT_MAX, help_text="What is to be done.")
    frequency = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    by_when = serializers.DateField(required=False, allow_null=True, default=None)


class PlanGoalInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.PLAN_TEXT_MAX, help_text="The short-term goal.")
    actions = PlanActionInputSerializer(many=True, required=False, default=list)


class PlanCreateSerializer(serializers.Serializer):
    """A new plan version (the plan in force from now on). `created_on` defaults to today."""

    created_on = serializers.DateField(required=False)
    wishes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    long_term_goal = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    goals = PlanGoalInputSerializer(many=True, required=False, default=list)
    review_on = serializers.DateField(required=False, allow_null=True, default=None)
    decided_at_meeting_on = serializers.DateField(required=False, allow_null=True, default=None)
    agreed_on = serializers.DateField(required=False, allow_null=True, default=None)
    agreement_method = serializers.ChoiceField(
        choices=AgreementMethod.choices, required=False, allow_blank=True, default=""
    )
    agreement_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)

    def service_values(self) -> dict:
        data = dict(self.validated_data)
        data["goals"] = [
            services.PlanGoalDraft(
                text=goal["text"], actions=[services.PlanAction(**action) for action in goal["actions"]]
            )
            for goal in data["goals"]
        ]
        return data


class GoalResultInputSerializer(serializers.Serializer):
    goal = serializers.IntegerField(help_text="The goal's id (a goal of this plan).")
    result = serializers.ChoiceField(choices=GoalResult.choices)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.PLAN_TEXT_MAX
    )


class PlanEvaluationCreateSerializer(serializers.Serializer):
    """評価 of the plan in force: one result per goal; `continue` needs `next_review_on`, `close` a
    `closure_reason` (the case is closed with it). `evaluated_on` defaults to today."""

    evaluated_on = serializers.DateField(required=False)
    results = GoalResultInputSerializer(many=True, required=False, default=list)
    decision = serializers.ChoiceField(choices=EvaluationDecision.choices)
    next_review_on = serializers.DateField(required=False, allow_null=True, default=None)
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices, required=False, allow_blank=True, default=""
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.PLAN_TEXT_MAX
    )

    def service_values(self) -> dict:
        data = dict(self.validated_data)
        data["results"] = [
            services.GoalAssessment(goal_id=r["goal"], result=r["result"], comment=r["comment"])
            for r in data["results"]
        ]
        return data


def _flat(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors ({"goals": [{}, {"text": [...]}]}) as flat paths ({"goals.1.text": [...]})."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        items = ((str(index), item) for index, item in enumerate(detail))
    else:
        return {prefix: [str(message) for message in detail]} if detail else {}
    flat: dict[str, list[str]] = {}
    for key, value in items:
        flat |= _flat(value, f"{prefix}.{key}" if prefix else str(key))
    return flat


def _valid(serializer: serializers.Serializer) -> serializers.Serializer:
    if not serializer.is_valid():
        raise serializers.ValidationError(_flat(serializer.errors))
    return serializer


# --- views ------------------------------------------------------------------------------------------


def _plan_context(request, case_id: int):
    """The visible case (Case.DoesNotExist → 404 otherwise) and the user's scope on it."""
    case = _visible_case(request, case_id)
    scope = selectors.case_scope_for(user=request.user, case=case)
    return case, scope


def _read(request, case, scope) -> None:
    if scope == ConsentScope.FULL:  # goals, wishes and the agreement are personal data
        services.case_record_read(case=case, read_by=request.user)


class CasePlanListApi(GenericAPIView):
    """A visible case's plans, newest first (the first is the plan in force); make a new plan version."""

    serializer_class = PlanSerializer

    @extend_schema(
        operation_id="cases_plans_list",
        responses={200: PlanSerializer(many=True), 404: NOT_FOUND},
        tags=["plans"],
    )
    def get(self, request, case_id: int):
        case, scope = _plan_context(request, case_id)
        plans = selectors.case_plans(case=case, full=scope == ConsentScope.FULL)
        page = self.paginate_queryset(plans)
        _read(request, case, scope)
        in_force = selectors.plan_in_force_id(case=case)
        return self.get_paginated_response(
            PlanSerializer(page, many=True, scope=scope, in_force_id=in_force).data
        )

    @extend_schema(
        operation_id="cases_plans_create",
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["plans"],
    )
    def post(self, request, case_id: int):
        case = _visible_case(request, case_id)
        _require_case_team(request, case)
        serializer = _valid(PlanCreateSerializer(data=request.data, context={"request": request}))
        plan = services.plan_create(case=case, created_by=request.user, **serializer.service_values())
        plan = selectors.case_plans(case=case).get(pk=plan.pk)
        location = reverse("api-case-plan-detail", kwargs={"case_id": case.pk, "plan_id": plan.pk})
        return Response(
            PlanSerializer(plan, in_force_id=plan.pk).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class CasePlanDetailApi(GenericAPIView):
    """One plan version of a visible case."""

    serializer_class = PlanSerializer

    @extend_schema(
        operation_id="cases_plans_retrieve",
        responses={200: PlanSerializer, 404: NOT_FOUND},
        tags=["plans"],
    )
    def get(self, request, case_id: int, plan_id: int):
        case, scope = _plan_context(request, case_id)
        plan = selectors.case_plans(case=case, full=scope == ConsentScope.FULL).get(pk=plan_id)
        _read(request, case, scope)
        in_force = selectors.plan_in_force_id(case=case)
        return Response(PlanSerializer(plan, scope=scope, in_force_id=in_force).data)


class PlanEvaluationListApi(GenericAPIView):
    """A plan's evaluations, newest first; evaluate the plan in force (409 for an older plan or a closed
    case)."""

    serializer_class = PlanEvaluationSerializer

    @extend_schema(
        operation_id="cases_plans_evaluations_list",
        responses={200: PlanEvaluationSerializer(many=True), 404: NOT_FOUND},
        tags=["plans"],
    )
    def get(self, request, case_id: int, plan_id: int):
        case, scope = _plan_context(request, case_id)
        plan = case.plans.get(pk=plan_id)
        page = self.paginate_queryset(selectors.plan_evaluations(plan=plan))
        _read(request, case, scope)
        return self.get_paginated_response(PlanEvaluationSerializer(page, many=True, scope=scope).data)

    @extend_schema(
        operation_id="cases_plans_evaluations_create",
        request=PlanEvaluationCreateSerializer,
        responses={
            201: PlanEvaluationSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        tags=["plans"],
    )
    def post(self, request, case_id: int, plan_id: int):
        case = _visible_case(request, case_id)
        plan = case.plans.get(pk=plan_id)
        _require_case_team(request, case)
        serializer = _valid(PlanEvaluationCreateSerializer(data=request.data))
        evaluation = services.plan_evaluate(
            plan=plan, evaluated_by=request.user, **serializer.service_values()
        )
        evaluation = selectors.plan_evaluations(plan=plan).get(pk=evaluation.pk)
        return Response(PlanEvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("cases/<int:case_id>/plans/", CasePlanListApi.as_view(), name="api-case-plan-list"),
    path(
        "cases/<int:case_id>/plans/<int:plan_id>/", CasePlanDetailApi.as_view(), name="api-case-plan-detail"
    ),
    path(
        "cases/<int:case_id>/plans/<int:plan_id>/evaluations/",
        PlanEvaluationListApi.as_view(),
        name="api-case-plan-evaluation-list",
    ),
]
