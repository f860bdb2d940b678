"""A case whose file fills every sheet: intake, members, consent, assessment, plan, a long progress record
with a voided entry, and closure. Every name and note is invented (架空)."""

import datetime

from django.utils import timezone

from casework import services
from casework.models import ConsentScope
from casework.services import GoalAssessment, PlanAction, PlanGoalDraft
from tests import factories

VOIDED_NOTE = "架空の誤記録（取消）"
VOID_REASON = "別ケースへの誤入力"
RECORD_ENTRIES = 40
MORNING = datetime.time(10, 0)
GOAL_TEXT = "架空の短期目標：家賃の滞納を解消する。"
CLOSURE_NOTE = "架空の終結メモ：就労が決まった。"
LONG_NOTE = (
    "架空の訪問記録。本人と母親に面談し、生活費と通院の状況を確認した。次回までに家計の見直しと"
    "就労準備支援の利用について検討することを本人と合意した。"
) * 2


OPENED_ON = timezone.localdate() - datetime.timedelta(days=RECORD_ENTRIES + 30)


def fill_case_file(case, *, by, agency):
    today = timezone.localdate()
    start = OPENED_ON
    services.case_update(
        case=case,
        updated_by=by,
        address="架空県架空市北町1-2-3 架空ハイツ101",
        phone="03-0000-1234",
        wishes="架空の希望：母の介護を続けながら働きたい。",
        consultation_summary="架空の相談概要：母（82歳）の介護と本人の長期離職で生活費が不足している。",
        referral_source="minsei",
        contact_method="visit",
    )
    services.member_add(
        case=case,
        added_by=by,
        name="架空 太郎",
        name_kana="カクウ タロウ",
        birth_date=datetime.date(1975, 6, 14),
        sex="male",
        relationship="self",
        phone="090-0000-5678",
    )
    services.member_add(
        case=case,
        added_by=by,
        name="架空 花子",
        name_kana="カクウ ハナコ",
        birth_date=datetime.date(1943, 1, 23),
        sex="female",
        relationship="parent",
    )
    services.consent_give(case=case, given_by=by, agencies=[agency], given_on=start, scope=ConsentScope.FULL)
    services.assessment_record(
        case=case,
        recorded_by=by,
        assessed_on=start + datetime.timedelta(days=3),
        health_status="issue",
        health_note="架空：母は要介護2、本人は腰痛で通院中。",
        economy_status="urgent",
        economy_note="架空：家賃を2か月滞納。",
        life_history="架空の生活歴：高校卒業後、製造業で20年勤務。",
        wishes="架空の思い：母と暮らし続けたい。",
        strengths="架空の強み：料理が得意で、近所づきあいがある。",
        analysis="架空の分析：介護と離職が重なり、相談先がなかった。",
    )
    plan = services.plan_create(
        case=case,
        created_by=by,
        created_on=start + datetime.timedelta(days=7),
        long_term_goal="架空の長期目標：安定した収入を得て母と暮らし続ける。",
        goals=[
            PlanGoalDraft(
                GOAL_TEXT,
                actions=[
                    PlanAction("架空の支援：家計相談と分納の交渉", who="caseworker", frequency="週1回"),
                    PlanAction("架空の支援：介護サービスの調整", agency=agency, frequency="月1回"),
                ],
            ),
            PlanGoalDraft(
                "架空の短期目標：就労準備支援を利用する。",
                actions=[PlanAction("架空の行動：説明会に参加する", who="person", by_when=today)],
            ),
        ],
        review_on=today + datetime.timedelta(days=60),
        agreed_on=start + datetime.timedelta(days=7),
        agreement_method="signed",
    )
    for n in range(RECORD_ENTRIES):
        when = timezone.make_aware(datetime.datetime.combine(start + datetime.timedelta(days=n), MORNING))
        factories.log_activity(case, by=by, when=when, agencies=[agency], note=f"{n + 1}回目：{LONG_NOTE}")
    wrong = factories.log_activity(
        case, by=by, when=timezone.now() - datetime.timedelta(days=2), agencies=[agency], note=VOIDED_NOTE
    )
    services.activity_void(activity=wrong, voided_by=by, reason=VOID_REASON)
    goals = list(plan.goals.order_by("order"))
    services.plan_evaluate(
        plan=plan,
        evaluated_by=by,
        evaluated_on=today - datetime.timedelta(days=1),
        results=[
            GoalAssessment(goals[0].pk, "achieved", "架空の評価：滞納は解消した。"),
            GoalAssessment(goals[1].pk, "partly", "架空の評価：説明会に参加した。"),
        ],
        decision="close",
        closure_reason="goal_achieved",
        comment=CLOSURE_NOTE,
    )
    case.refresh_from_db()
    return case
