"""Cases (households), members, plans and activities. Personal fields are encrypted at rest.

Writes go through casework.services; reads of cases through casework.selectors.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from network.models import Agency, Area, CommunityArea

from .fields import EncryptedCharField, EncryptedDateField, EncryptedTextField


class CaseStatus(models.TextChoices):
    INTAKE = "intake", _("受付")
    ASSESSMENT = "assessment", _("アセスメント")
    PLANNING = "planning", _("プラン作成")
    SUPPORT = "support", _("支援中")
    MONITORING = "monitoring", _("モニタリング")
    INTERRUPTED = "interrupted", _("中断")
    CLOSED = "closed", _("終結")


OPEN_STATUSES = [s for s in CaseStatus.values if s != CaseStatus.CLOSED]


class IssueTag(models.TextChoices):
    P8050 = "8050", _("8050問題")
    DOUBLE_CARE = "double_care", _("ダブルケア")
    HIKIKOMORI = "hikikomori", _("ひきこもり")
    POVERTY = "poverty", _("生活困窮")
    ABUSE = "abuse", _("虐待")
    DV = "dv", _("DV")
    DISABILITY = "disability", _("障害")
    DEMENTIA = "dementia", _("認知症")
    YOUNG_CARER = "young_carer", _("ヤングケアラー")
    HOARDING = "hoarding", _("ごみ屋敷・セルフネグレクト")
    MENTAL_HEALTH = "mental_health", _("精神保健")
    DEBT = "debt", _("多重債務")
    HOUSING = "housing", _("住まい")
    EMPLOYMENT = "employment", _("就労")
    ISOLATION = "isolation", _("社会的孤立")
    OTHER = "other", _("その他")


class ClosureReason(models.TextChoices):
    """終結理由 as the national forms count them (issue #12). Codes are kept where a category only got its
    national name (goal_achieved = 課題解決, declined = 本人の意向による終了); 生活保護開始 is a handover to
    the welfare office and was migrated to handed_over (casework 0020)."""

    GOAL_ACHIEVED = "goal_achieved", _("課題解決")
    HANDED_OVER = "handed_over", _("他機関へ引継ぎ")
    MOVED = "moved", _("転居")
    DECEASED = "deceased", _("死亡")
    DECLINED = "declined", _("本人の意向による終了")
    UNREACHABLE = "unreachable", _("連絡不能")
    OTHER = "other", _("その他")


class ReferralSource(models.TextChoices):
    """相談経路 as the national forms count them (issue #12), plus アウトリーチ: the multi-layered support
    system's outreach project (アウトリーチ等を通じた継続的支援事業) is counted on its own, and the yearly
    figures fold it into その他 where the form has no row for it."""

    SELF = "self", _("本人")
    FAMILY = "family", _("家族・親族")
    MINSEI = "minsei", _("民生委員・児童委員")
    COMMUNITY = "community", _("地域住民・団体")
    AGENCY = "agency", _("関係機関")
    GOVERNMENT = "government", _("行政")
    OUTREACH = "outreach", _("アウトリーチ")
    OTHER = "other", _("その他")


class ContactMethod(models.TextChoices):
    OFFICE = "office", _("来所")
    PHONE = "phone", _("電話")
    VISIT = "visit", _("訪問")
    MAIL = "mail", _("メール")


class Urgency(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class ScreeningOutcome(models.TextChoices):
    PLAN = "plan", _("プラン作成")
    LINKED = "linked", _("他機関へつなぎ")
    INFO_ONLY = "info_only", _("相談・情報提供のみで終了")


class CaseNumberCounter(models.Model):
    """Next case number per fiscal year; locked row so two intakes never share a number."""

    fiscal_year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.last_number}"


class Case(models.Model):
    """A household (世帯) receiving accompanied support."""

    number = models.CharField(_("case number"), max_length=16, unique=True, editable=False)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="cases")
    community_area = models.ForeignKey(
        CommunityArea, verbose_name=_("community area"), on_delete=models.PROTECT, null=True, blank=True
    )
    lead_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead caseworker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.INTAKE
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=32, choices=ClosureReason.choices, blank=True
    )
    main_issue = models.CharField(_("main issue"), max_length=16, choices=IssueTag.choices)
    # The number the team's own ledger gave the case (台帳番号), kept by an import so re-running it changes
    # nothing. It is the team's bookkeeping number, not a resident's identifier (no name, birth date or
    # address in it), so it is stored in plaintext like our own case number.
    source_number = models.CharField(
        _("ledger number"), max_length=32, blank=True, default="", db_default="", editable=False
    )

    # 相談受付 (intake)
    contact_method = models.CharField(
        _("contact method"), max_length=16, choices=ContactMethod.choices, blank=True
    )
    referral_source = models.CharField(
        _("referral source"), max_length=16, choices=ReferralSource.choices, blank=True
    )
    referral_agency = models.ForeignKey(
        Agency,
        verbose_name=_("referring agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.MEDIUM)
    screening_outcome = models.CharField(
        _("screening outcome"), max_length=16, choices=ScreeningOutcome.choices, blank=True
    )

    # personal data (encrypted) and their blind indexes
    household_name = EncryptedCharField(_("household name"), max_length=100)
    household_name_kana = EncryptedCharField(_("household name (kana)"), max_length=100)
    address = EncryptedTextField(_("address"), blank=True)
    phone = EncryptedCharField(_("phone"), max_length=32, blank=True)
    wishes = EncryptedTextField(_("the person's wishes"), blank=True)
    consultation_summary = EncryptedTextField(_("consultation summary"), blank=True)
    kana_index = models.CharField(max_length=64, db_index=True, editable=False, blank=True)
    phone_index = models.CharField(max_length=64, db_index=True, editable=False, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # view_case is only ever granted per object (to a group); nobody holds it model-wide.
        permissions = [
            ("log_activity", "Can log activities on the case"),
            ("share_without_basis", "Can share a case without a recorded basis (override)"),
            ("break_glass", "Can open a case's personal data through an audited break-glass read"),
        ]
        indexes = [
            models.Index(fields=["area", "-opened_on", "-id"], name="case_area_recent"),
            # "my cases" and every list page: newest first, the first page read straight off this index
            # (without it: a sequential scan of all cases and a top-N sort per page; docs/benchmarks.md).
            models.Index(fields=["-opened_on", "-id"], name="case_recent"),
            models.Index(fields=["status"], name="case_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "source_number"],
                condition=~models.Q(source_number=""),
                name="case_ledger_number_unique",
            ),
        ]

    def __str__(self) -> str:
        # Never personal data: __str__ ends up in logs, admin and error pages.
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED

    @property
    def issue_tags(self) -> list[str]:
        return [i.tag for i in self.issues.all()]


class CaseIssue(models.Model):
    """An issue tag on a case; exactly one per case is the main one (主)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="issues")
    tag = models.CharField(_("issue"), max_length=16, choices=IssueTag.choices)
    is_main = models.BooleanField(_("main"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "tag"], name="case_issue_unique"),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(is_main=True), name="case_one_main_issue"
            ),
        ]
        indexes = [models.Index(fields=["tag", "case"], name="case_issue_tag")]

    def __str__(self) -> str:
        return self.get_tag_display()


class CaseStatusChange(models.Model):
    """Dated history of the lifecycle; reopening adds rows, never rewrites them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = EncryptedCharField(max_length=200, blank=True)  # free text: people write names into it

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"


class Relationship(models.TextChoices):
    SELF = "self", _("本人")
    SPOUSE = "spouse", _("配偶者")
    PARENT = "parent", _("親")
    CHILD = "child", _("子")
    SIBLING = "sibling", _("兄弟姉妹")
    GRANDPARENT = "grandparent", _("祖父母")
    GRANDCHILD = "grandchild", _("孫")
    OTHER = "other", _("その他")


class Sex(models.TextChoices):
    FEMALE = "female", _("女性")
    MALE = "male", _("男性")
    OTHER = "other", _("その他")
    UNKNOWN = "unknown", _("不明")


class Partnership(models.TextChoices):
    """The state of a spouse's partnership with the person at the centre (the genogram's marriage line)."""

    MARRIED = "married", _("婚姻中")
    SEPARATED = "separated", _("別居")
    DIVORCED = "divorced", _("離婚")


class HouseholdMember(models.Model):
    """A member of the household (世帯員).

    `relationship` is the member's relation to the person at the centre of support, so that person is
    the member whose relationship is 本人 (`self`): one concept in one column. `is_focus` reads it; the
    database allows at most one 本人 per case (none while the centre is not yet known).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    name = EncryptedCharField(_("name"), max_length=100)
    name_kana = EncryptedCharField(_("name (kana)"), max_length=100)
    birth_date = EncryptedDateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    phone = EncryptedCharField(_("phone"), max_length=32, blank=True)
    issues = models.JSONField(_("issues"), default=list, blank=True)
    # what the genogram needs (casework/genogram.py)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)  # when the birth date is unknown
    # Database defaults too: rows written outside the ORM (the bench's COPY, a restore) stay valid.
    deceased = models.BooleanField(_("deceased"), default=False, db_default=False)
    deceased_year = models.PositiveSmallIntegerField(_("year of death"), null=True, blank=True)
    lives_together = models.BooleanField(_("lives together"), default=True, db_default=True)
    partnership = models.CharField(
        _("partnership"), max_length=16, choices=Partnership.choices, blank=True, default="", db_default=""
    )  # for 配偶者: married / separated / divorced
    # Where the relationship alone is ambiguous (whose child is a grandchild?), the member's parents.
    father = models.ForeignKey(
        "self", verbose_name=_("father"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mother = models.ForeignKey(
        "self", verbose_name=_("mother"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kana_index = models.CharField(max_length=64, db_index=True, editable=False, blank=True)
    birth_date_index = models.CharField(max_length=64, db_index=True, editable=False, blank=True)
    phone_index = models.CharField(max_length=64, db_index=True, editable=False, blank=True)

    class Meta:
        # 本人 first, then in the order they were recorded.
        ordering = [
            models.Case(models.When(relationship=Relationship.SELF, then=models.Value(0)), default=1),
            "id",
        ]
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(relationship=Relationship.SELF),
                name="member_one_focus_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} #{self.pk}"

    @property
    def is_focus(self) -> bool:
        """The person at the centre of support (本人)."""
        return self.relationship == Relationship.SELF

    @property
    def issue_labels(self) -> list[str]:
        return [IssueTag(tag).label for tag in self.issues or [] if tag in IssueTag.values]

    def age_on(self, day) -> int | None:
        """Age in full years on `day` (at death, for a deceased member whose year is known); else `age`."""
        if self.birth_date is None:
            return self.age
        if self.deceased:
            if self.deceased_year is None:
                return None
            return self.deceased_year - self.birth_date.year
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class CaseSearchToken(models.Model):
    """A keyed token of a name or kana on the case (DESIGN §3, "Search over encrypted data").

    `token` is a truncated HMAC (BLIND_INDEX_KEY) of one normalised character bigram of the household's or a
    member's name or kana (casework.search); never the text, never an unkeyed hash. One row per distinct
    bigram per case: the primary key (token, case) is also the lookup index.
    """

    pk = models.CompositePrimaryKey("token", "case")
    token = models.BigIntegerField()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.token}"


class AgreementMethod(models.TextChoices):
    """How the person's agreement to the plan was recorded (本人の同意)."""

    SIGNED = "signed", _("署名")
    VERBAL = "verbal", _("口頭で確認")
    PROXY = "proxy", _("代理人")
    OTHER = "other", _("その他")


class SupportPlan(models.Model):
    """プランシート: the long-term goal, short-term goals (PlanGoal) with their actions (PlanRole), the next
    review date and the person's agreement. A revision is a new row; the newest is the plan in force."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    created_on = models.DateField(_("created on"))
    wishes = EncryptedTextField(_("the person's wishes"), blank=True)
    long_term_goal = EncryptedTextField(_("long-term goal"), blank=True)
    review_on = models.DateField(_("next review"), null=True, blank=True)
    decided_at_meeting_on = models.DateField(_("decided at the meeting on"), null=True, blank=True)
    # 本人の同意: when and how the person agreed to the plan; the note is free text (names get written in it)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    agreement_method = models.CharField(
        _("how the agreement was recorded"),
        max_length=16,
        choices=AgreementMethod.choices,
        blank=True,
        default="",
        db_default="",
    )
    agreement_note = EncryptedTextField(_("agreement note"), blank=True, default="", db_default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_on", "-id"]
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreed_on__isnull=True, agreement_method="")
                | (models.Q(agreed_on__isnull=False) & ~models.Q(agreement_method="")),
                name="plan_agreement_date_and_method",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} plan {self.created_on}"

    def agency_roles(self) -> list["PlanRole"]:
        """The agencies' roles: all a summary scope shows of the plan (API.md, consents)."""
        return [role for role in self.roles.all() if role.agency_id]

    def loose_roles(self) -> list["PlanRole"]:
        """Actions tied to no goal (plans written before goals existed)."""
        return [role for role in self.roles.all() if role.goal_id is None]


class PlanGoal(models.Model):
    """A short-term goal (短期目標) of a plan; its actions are the PlanRole rows pointing at it."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    order = models.PositiveSmallIntegerField(_("order"))
    text = EncryptedTextField(_("short-term goal"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("short-term goal")
        verbose_name_plural = _("short-term goals")
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="plan_goal_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: goal {self.order}"


class PlanActor(models.TextChoices):
    """Who carries out an action of the plan: an agency, or someone who is not one."""

    AGENCY = "agency", _("関係機関")
    PERSON = "person", _("本人")
    FAMILY = "family", _("家族")
    CASEWORKER = "caseworker", _("担当相談員")
    OTHER = "other", _("その他")


class PlanRole(models.Model):
    """An action of the plan (支援内容 × 誰が × 期間・頻度 × いつまでに), under one of its short-term goals.

    "Who" is an agency (who = agency, agency set) or a non-agency actor (agency empty). Agencies that see
    a case under the summary scope see these rows' agency, support and frequency ("the plan's roles").
    Rows from before goals existed were attached to the plan's single migrated goal (casework 0022)."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="roles")
    goal = models.ForeignKey(
        PlanGoal, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    who = models.CharField(
        _("who"),
        max_length=16,
        choices=PlanActor.choices,
        default=PlanActor.AGENCY,
        db_default=PlanActor.AGENCY,
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    support = EncryptedTextField(_("support"))
    frequency = models.CharField(_("period and frequency"), max_length=100, blank=True)
    by_when = models.DateField(_("by when"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(who=PlanActor.AGENCY, agency__isnull=False)
                | (~models.Q(who=PlanActor.AGENCY) & models.Q(agency__isnull=True)),
                name="plan_role_agency_or_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.agency_id or self.who}"


class EvaluationDecision(models.TextChoices):
    """評価シート: the next step after a review."""

    CONTINUE = "continue", _("継続")
    REVISE = "revise", _("プランの見直し")
    CLOSE = "close", _("終結")


class GoalResult(models.TextChoices):
    ACHIEVED = "achieved", _("達成")
    PARTLY = "partly", _("一部達成")
    NOT_ACHIEVED = "not_achieved", _("未達成")


class PlanEvaluation(models.Model):
    """評価: a review of a plan — per goal a result, the decision, and for `continue` the next review date,
    for `close` the closure reason (the case is closed in the same transaction)."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="evaluations")
    evaluated_on = models.DateField(_("evaluated on"))
    decision = models.CharField(_("decision"), max_length=16, choices=EvaluationDecision.choices)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=32, choices=ClosureReason.choices, blank=True, default=""
    )
    comment = EncryptedTextField(_("comment"), blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-evaluated_on", "-id"]
        verbose_name = _("plan evaluation")
        verbose_name_plural = _("plan evaluations")

    def __str__(self) -> str:
        return f"{self.plan_id}: evaluation {self.evaluated_on}"


class PlanGoalEvaluation(models.Model):
    """One goal's result in an evaluation."""

    evaluation = models.ForeignKey(PlanEvaluation, on_delete=models.CASCADE, related_name="goal_results")
    goal = models.ForeignKey(PlanGoal, on_delete=models.PROTECT, related_name="evaluations")
    result = models.CharField(_("result"), max_length=16, choices=GoalResult.choices)
    comment = EncryptedTextField(_("comment"), blank=True)

    class Meta:
        ordering = ["goal__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "goal"], name="plan_goal_evaluation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}: goal {self.goal_id} {self.result}"


class AssessmentStatus(models.TextChoices):
    """The short status of one domain of the assessment sheet."""

    UNKNOWN = "unknown", pgettext_lazy("assessment status", "not yet assessed")
    NONE = "none", pgettext_lazy("assessment status", "no issue")
    WATCH = "watch", pgettext_lazy("assessment status", "keep watch")
    ISSUE = "issue", pgettext_lazy("assessment status", "issue")
    URGENT = "urgent", pgettext_lazy("assessment status", "urgent")


# The domains of the national インテーク・アセスメントシート, in the sheet's order: (code, label).
# Each code names two columns of Assessment: <code>_status and <code>_note.
ASSESSMENT_DOMAINS: tuple[tuple[str, str], ...] = (
    ("health", _("Health and disability")),  # 健康・障害
    ("daily_living", _("Daily living")),  # 日常生活
    ("economy", _("Household economy and debt")),  # 家計・債務
    ("work", _("Work and education")),  # 就労・教育
    ("housing", _("Housing")),  # 住まい
    ("family", _("Family relations and care burden")),  # 家族関係・介護負担
    ("social", _("Social participation and isolation")),  # 社会参加・孤立
    ("rights", _("Rights protection")),  # 権利擁護
)
# The narratives that are not tied to one domain.
ASSESSMENT_SUMMARIES: tuple[tuple[str, str], ...] = (
    ("life_history", _("Life history")),  # 生活歴
    ("wishes", _("The person's own wishes")),  # 本人の思い
    ("strengths", _("Strengths")),  # 強み
    ("analysis", _("Analysis of the issues and their background")),  # 課題の分析
)


def _domain_status(label):
    return models.CharField(
        label, max_length=8, choices=AssessmentStatus.choices, default=AssessmentStatus.UNKNOWN
    )


class Assessment(models.Model):
    """インテーク・アセスメントシート: one dated version of a case's assessment.

    A re-assessment is a new row (version n+1); a row is never changed once written, so every earlier
    assessment stays readable as it was. One row per version, with a status and an encrypted narrative
    column per domain, rather than Assessment + one AssessmentDomain row per domain: the domains are the
    fixed set of the national sheet, a version is always complete (every domain, even "not yet
    assessed"), a version is written and read whole, and the API and the printed sheet address each
    domain by a stable field name. A ninth domain is a migration either way.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    version = models.PositiveIntegerField(_("version"), editable=False)
    assessed_on = models.DateField(_("assessed on"))
    health_status = _domain_status(_("Health and disability"))
    health_note = EncryptedTextField(_("Health and disability"), blank=True)
    daily_living_status = _domain_status(_("Daily living"))
    daily_living_note = EncryptedTextField(_("Daily living"), blank=True)
    economy_status = _domain_status(_("Household economy and debt"))
    economy_note = EncryptedTextField(_("Household economy and debt"), blank=True)
    work_status = _domain_status(_("Work and education"))
    work_note = EncryptedTextField(_("Work and education"), blank=True)
    housing_status = _domain_status(_("Housing"))
    housing_note = EncryptedTextField(_("Housing"), blank=True)
    family_status = _domain_status(_("Family relations and care burden"))
    family_note = EncryptedTextField(_("Family relations and care burden"), blank=True)
    social_status = _domain_status(_("Social participation and isolation"))
    social_note = EncryptedTextField(_("Social participation and isolation"), blank=True)
    rights_status = _domain_status(_("Rights protection"))
    rights_note = EncryptedTextField(_("Rights protection"), blank=True)
    life_history = EncryptedTextField(_("Life history"), blank=True)
    wishes = EncryptedTextField(_("The person's own wishes"), blank=True)
    strengths = EncryptedTextField(_("Strengths"), blank=True)
    analysis = EncryptedTextField(_("Analysis of the issues and their background"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="assessment_case_version")]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.case_id} assessment v{self.version}"

    @classmethod
    def content_fields(cls) -> list[str]:
        """What a worker writes: the date aside, every status and narrative (a re-assessment copies these)."""
        names = [f"{code}_{part}" for code, _label in ASSESSMENT_DOMAINS for part in ("status", "note")]
        return names + [code for code, _label in ASSESSMENT_SUMMARIES]

    def domains(self) -> list[dict]:
        """The domains in the sheet's order, for pages and print: code, label, status, its label, note."""
        return [
            {
                "code": code,
                "label": label,
                "status": getattr(self, f"{code}_status"),
                "status_label": getattr(self, f"get_{code}_status_display")(),
                "note": getattr(self, f"{code}_note"),
            }
            for code, label in ASSESSMENT_DOMAINS
        ]

    def summaries(self) -> list[dict]:
        return [
            {"code": code, "label": label, "text": getattr(self, code)}
            for code, label in ASSESSMENT_SUMMARIES
        ]


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("訪問")
    OFFICE = "office", _("来所")
    PHONE = "phone", _("電話")
    ACCOMPANY = "accompany", _("同行")
    INTERVIEW = "interview", _("面談")
    CONFERENCE = "conference", _("ケース会議・支援会議")
    MAIL = "mail", _("メール・文書")
    OTHER = "other", _("その他")


class Activity(models.Model):
    """支援経過: one piece of support work. Never deleted: an edit keeps the old version, a void the row.

    `area` is the area that held the case when the activity happened (a later transfer does not move
    it); `has_partner` mirrors "at least one partner agency" so the indicator reads a partial index.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="activities")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    occurred_at = models.DateTimeField(_("date and time"))
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.PROTECT, related_name="activities"
    )
    partner_agencies = models.ManyToManyField(
        Agency, verbose_name=_("partner agencies"), blank=True, related_name="activities"
    )
    has_partner = models.BooleanField(default=False, editable=False)
    note = EncryptedTextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Who entered the record (usually `staff`, who did the work): a collaborating area team or agency
    # voids only entries its own people logged (selectors.activity_void_scope).
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    voided = models.BooleanField(_("voided"), default=False)
    void_reason = EncryptedCharField(_("void reason"), max_length=200, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["case", "-occurred_at"], name="activity_case_recent"),
            # 延件数: the indicator reads only counted rows; `kind` and `id` are included so the
            # breakdowns by kind and by agency (a join on id) are index-only scans too (docs/benchmarks.md).
            models.Index(
                fields=["occurred_at"],
                name="activity_counted",
                condition=models.Q(voided=False, has_partner=True),
                include=["case", "area", "kind", "id"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.kind} {self.occurred_at:%Y-%m-%d}"


class ActivityRevision(models.Model):
    """The previous version of an edited activity, as it was before the edit."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    minutes = models.PositiveIntegerField()
    partner_agency_codes = models.JSONField(default=list)
    note = EncryptedTextField(blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    edited_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "version"], name="activity_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} v{self.version}"


# --- access: object permissions (django-guardian, direct foreign keys), bases for sharing, audit ------

from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Per-user exceptions (break-glass); direct FK instead of guardian's generic text-pk table."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Grants to area-team and agency groups; the case list filters on this table with a subquery."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission", "content_object"], name="case_gperm_lookup")]


class ConsentScope(models.TextChoices):
    """What a consent shares with its agencies (DESIGN.md §3, "Sharing by scope").

    `summary`: the household name, issues, status, the plan's roles and the agency's own activities.
    `full`: everything the area team sees, address, phone, every note and assessment included.
    An agency sees by the widest basis in force for it (casework.selectors.case_scope_for).
    """

    SUMMARY = "summary", _("概要のみ")
    FULL = "full", _("すべて")


class Consent(models.Model):
    """同意: the person's consent to share the case with named agencies, until withdrawn, within `scope`."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    agencies = models.ManyToManyField(Agency, verbose_name=_("agencies"), related_name="consents")
    given_on = models.DateField(_("given on"))
    scope = models.CharField(
        _("scope"), max_length=16, choices=ConsentScope.choices, default=ConsentScope.SUMMARY
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.case.number} consent {self.given_on}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class ConsentDocument(models.Model):
    """The scanned consent form (同意書) of a consent, stored encrypted (casework/documents.py).

    The file lives in the "consent_documents" storage under `storage_name`; `file_id` is bound into its
    encryption, so a file copied under another row fails to open. The original name may be personal
    (people name scans after the person): encrypted. Replacing the scan gives the row a new file.
    """

    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="document")
    file_id = models.UUIDField(unique=True, editable=False)
    storage_name = models.CharField(max_length=255, unique=True, editable=False)
    key_id = models.CharField(max_length=16, editable=False)  # the key that sealed the stored file
    filename = EncryptedCharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("consent document")
        verbose_name_plural = _("consent documents")

    def __str__(self) -> str:
        return f"consent {self.consent_id} document"


class SupportMeetingRegistration(models.Model):
    """支援会議 (Social Welfare Act §106-6): members may share without consent, under confidentiality."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meeting_registrations")
    agencies = models.ManyToManyField(Agency, verbose_name=_("member agencies"), related_name="+")
    registered_on = models.DateField(_("registered on"))
    confidentiality_acknowledged = models.BooleanField(_("confidentiality acknowledged"), default=False)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # Set when the registration is a discussed case of a 支援会議 record: then the meeting's services own it.
    meeting = models.ForeignKey(
        "SupportMeeting", on_delete=models.PROTECT, null=True, blank=True, related_name="registrations"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        constraints = [
            # A meeting registers a case once while it is in force: the discussed case is the basis.
            models.UniqueConstraint(
                fields=["meeting", "case"],
                condition=models.Q(meeting__isnull=False, ended_on__isnull=True),
                name="meeting_registration_in_force_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.number} 支援会議 {self.registered_on}"


class MeetingKind(models.TextChoices):
    # Social Welfare Act §106-6: shares without consent, under confidentiality
    SUPPORT = "support", _("支援会議")
    MULTI_AGENCY = "multi_agency", _("重層的支援会議")  # shares only with the person's consent
    CASE_CONFERENCE = "case_conference", _("ケース会議")


class SupportMeeting(models.Model):
    """The record of a meeting about cases: 支援会議, 重層的支援会議 or ケース会議.

    Held by an area team (`area`), attended by agencies and staff. What was decided for each case lives on
    its DiscussedCase row. For a 支援会議, the sharing basis of each discussed case is the case's
    SupportMeetingRegistration with `meeting` set; casework.meeting_services writes both together, and the
    standalone registration services refuse to touch a registration that belongs to a meeting.
    """

    kind = models.CharField(_("kind of meeting"), max_length=16, choices=MeetingKind.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    agencies = models.ManyToManyField(Agency, verbose_name=_("participating agencies"), related_name="+")
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participating staff"), blank=True, related_name="+"
    )
    next_meeting_on = models.DateField(_("next meeting on"), null=True, blank=True)
    confidentiality_acknowledged = models.BooleanField(_("confidentiality acknowledged"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("support meeting record")
        verbose_name_plural = _("support meeting records")
        indexes = [models.Index(fields=["area", "-held_on"], name="meeting_area_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"

    @property
    def is_sharing_basis(self) -> bool:
        """Only a 支援会議 (§106-6) shares its discussed cases with its members without consent."""
        return self.kind == MeetingKind.SUPPORT


class DiscussedCase(models.Model):
    """A case discussed at a meeting: what was decided and how the roles were split (encrypted)."""

    meeting = models.ForeignKey(SupportMeeting, on_delete=models.CASCADE, related_name="discussed_cases")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meeting_discussions")
    decisions = EncryptedTextField(_("decisions"), blank=True)
    roles = EncryptedTextField(_("split of roles"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="discussed_case_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.case_id}"


class AccessBasis(models.TextChoices):
    AREA_TEAM = "area_team", _("担当エリア")
    CONSENT = "consent", _("本人同意")
    SUPPORT_MEETING = "support_meeting", _("支援会議")
    OVERRIDE = "override", _("例外共有")
    REFERRAL = "referral", _("連携依頼")
    BREAK_GLASS = "break_glass", _("緊急閲覧")


class CaseAccessGrant(models.Model):
    """Why a group (or a user) may see a case. The guardian permission exists while any grant is active;
    withdrawing one basis removes access only when no other basis remains."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_grants")
    group = models.ForeignKey("auth.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    basis = models.CharField(max_length=16, choices=AccessBasis.choices)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)  # the consent/meeting/referral row
    read_only = models.BooleanField(default=False)  # view, but not log activities (e.g. after a transfer)
    reason = EncryptedTextField(blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="grant_to_group_xor_user",
                condition=models.Q(group__isnull=False, user__isnull=True)
                | models.Q(group__isnull=True, user__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["case", "revoked_at"], name="grant_case_active")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.basis}"


class EcomapKind(models.TextChoices):
    MINSEI = "minsei", _("民生委員")
    SALON = "salon", _("サロン")
    NEIGHBOURHOOD = "neighbourhood", _("町会・自治会")
    OTHER = "other", _("その他")


class TieStrength(models.TextChoices):
    """The ecomap's line: strong (thick), ordinary (thin), weak (dashed), stressful (zigzag)."""

    STRONG = "strong", _("強い")
    ORDINARY = "ordinary", _("普通")
    WEAK = "weak", _("弱い")
    STRESSFUL = "stressful", _("ストレスのある")


class SupportDirection(models.TextChoices):
    """Which way support flows between the household and the resource (the ecomap's arrows)."""

    TO_HOUSEHOLD = "to_household", _("資源から世帯へ")
    FROM_HOUSEHOLD = "from_household", _("世帯から資源へ")
    MUTUAL = "mutual", _("相互")
    NONE = "none", _("なし")


class EcomapResource(models.Model):
    """A community resource around the household that no other record names (民生委員, サロン, 町会 ...),
    added by the worker for the ecomap. `name` may name a person (the 民生委員): encrypted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ecomap_resources")
    name = EncryptedCharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=EcomapKind.choices)
    strength = models.CharField(
        _("strength of the tie"), max_length=16, choices=TieStrength.choices, default=TieStrength.ORDINARY
    )
    direction = models.CharField(
        _("direction of support"),
        max_length=16,
        choices=SupportDirection.choices,
        default=SupportDirection.TO_HOUSEHOLD,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("ecomap resource")
        verbose_name_plural = _("ecomap resources")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} #{self.pk}"


class AuditAction(models.TextChoices):
    CASE_VIEW = "case.view", _("ケース閲覧")
    CASE_CREATE = "case.create", _("ケース登録")
    CASE_UPDATE = "case.update", _("ケース更新")
    CASE_STATUS = "case.status", _("ステータス変更")
    CASE_EXPORT = "case.export", _("エクスポート")
    CASE_PRINT = "case.print", _("印刷")
    MEMBER_CHANGE = "member.change", _("世帯員の変更")
    ECOMAP_CHANGE = "ecomap.change", _("エコマップの変更")
    ASSESSMENT_CREATE = "assessment.create", _("アセスメント記録")
    ASSESSMENT_VIEW = "assessment.view", _("アセスメント閲覧")
    PLAN_CREATE = "plan.create", _("プラン作成")
    PLAN_EVALUATE = "plan.evaluate", _("プランの評価")
    ACTIVITY_CREATE = "activity.create", _("活動記録")
    ACTIVITY_UPDATE = "activity.update", _("活動の訂正")
    ACTIVITY_VOID = "activity.void", _("活動の取消")
    CONSENT_GIVE = "consent.give", _("同意登録")
    CONSENT_WITHDRAW = "consent.withdraw", _("同意撤回")
    DOCUMENT_UPLOAD = "document.upload", _("同意書の添付")
    DOCUMENT_DOWNLOAD = "document.download", _("同意書のダウンロード")
    DOCUMENT_DELETE = "document.delete", _("同意書の削除")
    MEETING_REGISTER = "meeting.register", _("支援会議登録")
    MEETING_END = "meeting.end", _("支援会議終了")
    MEETING_RECORD_VIEW = "meeting_record.view", _("会議記録の閲覧")
    MEETING_RECORD_CREATE = "meeting_record.create", _("会議記録の作成")
    MEETING_RECORD_UPDATE = "meeting_record.update", _("会議記録の更新")
    SHARE_OVERRIDE = "share.override", _("例外共有")
    PERMISSION_GRANT = "permission.grant", _("権限付与")
    PERMISSION_REVOKE = "permission.revoke", _("権限取消")
    BREAK_GLASS = "break_glass", _("緊急閲覧")
    LOGIN = "auth.login", _("ログイン")
    LOGOUT = "auth.logout", _("ログアウト")
    LOGIN_FAILED = "auth.login_failed", _("ログイン失敗")
    STAFF_DEACTIVATE = "staff.deactivate", _("職員アカウント停止")
    REFERRAL = "referral", _("紹介・連携")
    REPORT = "report", _("報告")
    REPORT_EXPORT = "report.export", _("報告のエクスポート")
    REPORT_PRINT = "report.print", _("報告の印刷")
    LEDGER_IMPORT = "ledger.import", _("台帳の取込み")


class AuditActionField(models.CharField):
    """The action column keeps AuditAction's choices for display and validation but leaves them out of
    migrations: a new action is a code change, not a schema change (the column is the same varchar)."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, "django.db.models.CharField", args, kwargs


class AuditEvent(models.Model):
    """Append-only: written in the same transaction as the change; PostgreSQL refuses UPDATE/DELETE.

    `changes` holds old → new values with encrypted (personal) fields masked, never their plaintext.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = AuditActionField(max_length=32, choices=AuditAction.choices, db_index=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = EncryptedTextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=16, blank=True)  # web / api / command / task

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "-at"], name="audit_case_recent"),
            models.Index(fields=["actor", "-at"], name="audit_actor_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"


class LedgerImportStatus(models.TextChoices):
    CHECKING = "checking", _("ファイルを確認中")
    CHECKED = "checked", _("確認待ち")
    QUEUED = "queued", _("取込み待ち")
    RUNNING = "running", _("取込み中")
    DONE = "done", _("取込み完了")
    FAILED = "failed", _("取込み失敗")


class LedgerImport(models.Model):
    """A ledger uploaded on the managers' import page: checked, previewed, then imported on confirmation.

    The uploaded file is kept encrypted (casework/documents.py format) under `storage_name` until the import
    ends. `preview` holds the first rows as they will be stored (personal data: encrypted); `summary` the
    counts and errors, which never quote a cell's value.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    file_id = models.UUIDField(unique=True, editable=False)
    storage_name = models.CharField(max_length=255, blank=True, editable=False)
    file_kind = models.CharField(max_length=8)  # xlsx / csv
    filename = EncryptedCharField(_("file name"), max_length=255)
    status = models.CharField(max_length=16, choices=LedgerImportStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    preview = EncryptedTextField(blank=True)
    skip_invalid = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"ledger import {self.pk} ({self.status})"
