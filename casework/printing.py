"""The printed case file (issue #12): the sheets of the national form set, in the forms' order.

Each sheet is a code (used in the URL: ?sheet=intake&sheet=plan), a title, a template that draws the paper
form and a context builder (a selector) that reads what the sheet shows. The print page and the PDF render the
same template (casework/print_file.html) from `print_file_context`; the identity block (DESIGN §7: entered
once, carried to every later sheet) is read once and printed at the top of every sheet.

Only a reader who sees the case in full prints it (views check `case_scope_for`): every sheet holds personal
data, so nothing here filters by scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import (
    Case,
    CaseStatus,
    ClosureReason,
    EvaluationDecision,
    GoalResult,
    IssueTag,
    PlanEvaluation,
    PlanGoalEvaluation,
    ReferralSource,
    Relationship,
)


@dataclass(frozen=True)
class Sheet:
    code: str
    title: str  # the paper form's name, as printed in its head
    template: str
    build: Callable[[Case], dict]


# --- context builders (selectors): one per sheet ----------------------------------------------------


def identity(*, case: Case) -> dict:
    """The identity block: case number, household name and kana, and the person at the centre of support
    (本人) with sex and birth date where recorded, the address and phones."""
    members = list(selectors.case_members(case=case))
    person = next((m for m in members if m.relationship == Relationship.SELF), None)
    return {"case": case, "person": person, "members": members}


def intake_sheet(case: Case) -> dict:
    """相談受付・申込票: who came and how, the household, the issues checklist (◎ on the main issue), the
    person's own words and the consents to share."""
    tags = set(case.issue_tags)
    checklist = [
        {"label": label, "checked": code in tags, "main": code == case.main_issue}
        for code, label in IssueTag.choices
    ]
    consents = case.consents.prefetch_related("agencies").order_by("given_on", "id")
    return {"checklist": checklist, "consents": consents, "referral_sources": ReferralSource.choices}


def assessment_sheet(case: Case) -> dict:
    """インテーク・アセスメントシート: the assessment in force (the latest version), domain by domain."""
    assessment = selectors.assessment_latest(case=case)
    return {
        "assessment": assessment,
        "assessment_versions": selectors.case_assessments(case=case).count() if assessment else 0,
    }


def plan_sheet(case: Case) -> dict:
    """プランシート: the plan in force (the newest): goals, each with its actions (what, who, how often, by
    when), actions tied to no goal (plans from before goals), the review date and the person's agreement."""
    return {"plan": selectors.case_plans(case=case, full=True).first()}


def record_sheet(case: Case) -> dict:
    """支援経過記録シート: every activity, oldest first; voided ones too (printed struck out)."""
    return {"record": selectors.case_activities(case=case).order_by("occurred_at", "id")}


def evaluation_sheet(case: Case) -> dict:
    """評価シート: every evaluation of every plan, oldest first: per goal the result and comment, the
    decision, and the next review or the closure reason."""
    results = Prefetch(
        "goal_results",
        queryset=PlanGoalEvaluation.objects.select_related("goal").order_by("goal__order", "id"),
    )
    evaluations = (
        PlanEvaluation.objects.filter(plan__case=case)
        .select_related("plan", "evaluated_by")
        .prefetch_related(results)
        .order_by("evaluated_on", "id")
    )
    return {"evaluations": evaluations, "goal_results": GoalResult.choices}


def closure_sheet(case: Case) -> dict:
    """終結: the date, the reason and the worker's note on the change to 終結 (the latest, after a reopen),
    or the comment of the evaluation that closed the case."""
    closing = selectors.case_status_history(case=case).filter(to_status=CaseStatus.CLOSED).first()
    closing_evaluation = (
        PlanEvaluation.objects.filter(plan__case=case, decision=EvaluationDecision.CLOSE)
        .order_by("-evaluated_on", "-id")
        .first()
    )
    note = (closing.note if closing else "") or (closing_evaluation.comment if closing_evaluation else "")
    return {"closing": closing, "closing_note": note, "closure_reasons": ClosureReason.choices}


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "intake", _("Consultation intake and application form"), "casework/print/intake.html", intake_sheet
    ),
    Sheet("assessment", _("Intake and assessment sheet"), "casework/print/assessment.html", assessment_sheet),
    Sheet("plan", _("Plan sheet"), "casework/print/plan.html", plan_sheet),
    Sheet("record", _("Support progress record sheet"), "casework/print/record.html", record_sheet),
    Sheet("evaluation", _("Evaluation sheet"), "casework/print/evaluation.html", evaluation_sheet),
    Sheet("closure", _("Closure"), "casework/print/closure.html", closure_sheet),
)
PRINT_STYLESHEET = "css/print_file.css"  # the print page links it; the PDF reads it from disk
SHEET_CODES = tuple(sheet.code for sheet in SHEETS)


def sheets_chosen(codes: Iterable[str]) -> list[Sheet]:
    """The sheets named in `codes`, in the forms' order (not the order asked); every sheet when none (or
    none known) is named, so a bare link prints the whole file."""
    wanted = set(codes) & set(SHEET_CODES)
    return [sheet for sheet in SHEETS if sheet.code in wanted] or list(SHEETS)


def render_pdf(html: str) -> bytes:
    """The print template's HTML as an A4 PDF (WeasyPrint, Pango; Noto Sans CJK JP for the Japanese).
    The stylesheet is read from its file and nothing is fetched: the HTML carries no links in PDF mode, and
    any URL it might still name is refused rather than requested."""
    import weasyprint  # imported here: loading Pango costs every process that never prints

    def refuse(url: str, *args, **kwargs):
        raise ValueError(f"the printed file fetches nothing ({url})")

    stylesheet = weasyprint.CSS(filename=finders.find(PRINT_STYLESHEET), url_fetcher=refuse)
    return weasyprint.HTML(string=html, url_fetcher=refuse).write_pdf(stylesheets=[stylesheet])


def print_file_context(*, case: Case, sheets: list[Sheet]) -> dict:
    """What the print template needs: the identity block once, and each chosen sheet with its own data."""
    return identity(case=case) | {
        "sheets": [{"sheet": sheet, **sheet.build(case)} for sheet in sheets],
        "all_sheets": SHEETS,
        "chosen_codes": [sheet.code for sheet in sheets],
    }
