"""Indicators and their targets as data, the centre usage log, the action plan grid and monthly snapshots.

Reports only read casework; what it writes is its own: targets (managers), centre usage tallies (centre
staff and coordinators), action plan grades and the immutable monthly snapshots.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from network.models import Agency, Area


class IndicatorDefinition(models.Model):
    """An indicator of the plan, e.g. 伴走支援活動延件数. Codes are stable keys (seeded, then fixed)."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, default="件")
    description = models.TextField(_("counting rule"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """A target of the plan for one fiscal year, city-wide or for one area or one centre.

    A year the plan left blank has no row, and the reports show no target for it (never an invented one).
    """

    indicator = models.ForeignKey(
        IndicatorDefinition, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="targets"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    value = models.PositiveIntegerField(_("target value"))
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    centre = models.ForeignKey(
        Agency,
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_centre": True},
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator__sort_order", "fiscal_year", "area__sort_order", "centre__code"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                name="target_area_or_centre",
                condition=models.Q(area__isnull=True) | models.Q(centre__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"],
                name="target_unique_citywide",
                condition=models.Q(area__isnull=True, centre__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year", "area"],
                name="target_unique_area",
                condition=models.Q(area__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year", "centre"],
                name="target_unique_centre",
                condition=models.Q(centre__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        scope = self.centre or self.area or _("city-wide")
        return f"{self.indicator} FY{self.fiscal_year} {scope}: {self.value}"

    def clean(self):
        if self.area_id and self.centre_id:
            raise ValidationError(_("A target is city-wide, for one area, or for one centre: not both."))
        if self.centre_id and not Agency.objects.filter(pk=self.centre_id, is_centre=True).exists():
            raise ValidationError({"centre": _("Choose a community centre (地域いきいきセンター).")})


class CentreUsageKind(models.TextChoices):
    CONSULTATION = "consultation", _("相談")
    COMMUNITY_SUPPORT = "community_support", _("地域支援")
    OTHER = "other", _("その他")


class CentreUsage(models.Model):
    """A tally of 地域いきいきセンター usage on one day: counts only, no personal data."""

    centre = models.ForeignKey(
        Agency,
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"is_centre": True},
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=24, choices=CentreUsageKind.choices)
    count = models.PositiveIntegerField(_("count"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("centre usage")
        verbose_name_plural = _("centre usage")
        indexes = [models.Index(fields=["date", "centre", "kind"], name="centre_usage_date")]

    def __str__(self) -> str:
        return f"{self.centre} {self.date} {self.kind} {self.count}"


class ActionPlanItem(models.Model):
    """An item of the 社協アクションプラン, evaluated every fiscal year."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=300)
    section = models.CharField(_("section"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")

    def __str__(self) -> str:
        return self.title


class Grade(models.TextChoices):
    DONE = "◎", _("◎ achieved")
    PARTLY = "〇", _("〇 partly achieved")
    NOT_YET = "△", _("△ not achieved")


class ActionPlanEvaluation(models.Model):
    """◎ 〇 △ for one item in one fiscal year."""

    item = models.ForeignKey(ActionPlanItem, on_delete=models.CASCADE, related_name="evaluations")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["item__sort_order", "fiscal_year"]
        verbose_name = _("action plan evaluation")
        verbose_name_plural = _("action plan evaluations")
        constraints = [
            models.UniqueConstraint(fields=["item", "fiscal_year"], name="action_plan_evaluation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item} FY{self.fiscal_year} {self.grade}"


class SnapshotImmutable(Exception):
    """A finalised month's snapshot is never changed or deleted."""


class MonthlySnapshot(models.Model):
    """A finalised month of the 延件数 report, as it was reported. Insert-only (PostgreSQL enforces it too);
    later corrections show up as restated figures beside it, never by changing it."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.CharField(_("month"), max_length=7, unique=True)  # "2024-10"
    figures = models.JSONField(_("figures"))
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finalised by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finalised_at = models.DateTimeField(_("finalised at"))

    class Meta:
        ordering = ["month"]
        verbose_name = _("monthly snapshot")
        verbose_name_plural = _("monthly snapshots")
        permissions = [("finalise_month", "Can finalise a month of the indicator report")]

    def __str__(self) -> str:
        return self.month

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SnapshotImmutable("A monthly snapshot is never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotImmutable("A monthly snapshot is never deleted.")


# --- 延件数 roll-ups (reports/rollups.py): insert-only deltas, compacted by a beat task ---------------------


class RollupPendingCase(models.Model):
    """A case whose counted activities or main issue changed since the roll-ups last took it in: the one
    row a writer adds (no lock, no read, no key to wait on). `apply_rollup_changes` (beat, every minute)
    turns it into deltas; until then every reader of the roll-ups folds it in itself, so the figures are
    exact at once. A case may appear in several rows."""

    id = models.BigAutoField(primary_key=True)
    case_id = models.BigIntegerField()  # no foreign key: the writer's insert checks and locks nothing

    class Meta:
        db_table = "reports_rollup_pending"
        indexes = [models.Index(fields=["case_id"], name="rollup_pending_case")]

    def __str__(self) -> str:
        return f"case {self.case_id}"


class RollupCaseState(models.Model):
    """What one case contributes to the roll-ups as they stand: its main issue and its counted activities
    as [month, area id, kind, [agency ids]], one entry per activity (no personal data). Applying a pending
    case writes the difference between its figures now and these, then stores the new ones."""

    case_id = models.BigIntegerField(primary_key=True)
    main_issue = models.CharField(max_length=16, blank=True)
    activities = models.JSONField(default=list)

    class Meta:
        db_table = "reports_rollup_case_state"

    def __str__(self) -> str:
        return f"case {self.case_id}: {len(self.activities)} counted"


class RollupCount(models.Model):
    """A ±n change to 伴走支援活動延件数 for one key. Insert-only: writers never update a row, so eight
    caseworkers logging into the same area and month never queue on one; `compact_rollups` folds the deltas
    into one row per key. The figure for a key is the sum of its rows.

    Two shapes of key: the activity's own (month, area, kind, main issue; agency NULL), counted once per
    activity; and (month, agency; area NULL, kind and issue blank), counted once for each partner agency.
    """

    id = models.BigAutoField(primary_key=True)
    month = models.DateField()  # the first day of the Asia/Tokyo month of the activity
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, related_name="+", db_index=False)
    kind = models.CharField(max_length=16, blank=True)
    main_issue = models.CharField(max_length=16, blank=True)  # the case's main issue
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+", db_index=False)
    n = models.IntegerField()

    class Meta:
        db_table = "reports_rollup_count"
        indexes = [models.Index(fields=["month"], name="rollup_count_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.area_id} {self.kind} {self.main_issue} {self.agency_id} {self.n:+d}"


class RollupScope(models.TextChoices):
    MONTH = "month", "cases with a counted activity in the month"
    YEAR = "year", "cases whose first counted activity of the fiscal year is in the month"


class RollupCases(models.Model):
    """A ±n change to a number of distinct cases (実件数), per key. Same insert-only rule as RollupCount.

    scope "month": cases with ≥1 counted activity in the month (area NULL: in any area; else in that area).
    scope "year": cases whose first counted activity of the fiscal year falls in the month — overall (area,
    agency NULL, issue blank), by the case's main issue, in an area, or with an agency — so the distinct
    cases of April up to any month M are the sum over the months up to M.
    """

    id = models.BigAutoField(primary_key=True)
    month = models.DateField()
    scope = models.CharField(max_length=5, choices=RollupScope.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, related_name="+", db_index=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+", db_index=False)
    main_issue = models.CharField(max_length=16, blank=True)
    n = models.IntegerField()

    class Meta:
        db_table = "reports_rollup_cases"
        indexes = [models.Index(fields=["month"], name="rollup_cases_month")]

    def __str__(self) -> str:
        key = f"{self.scope} {self.area_id} {self.agency_id} {self.main_issue}"
        return f"{self.month:%Y-%m} {key} {self.n:+d}"
