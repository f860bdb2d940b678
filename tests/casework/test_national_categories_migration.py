"""0021: 相談経路 and 終結理由 in the national forms' categories. The one value that changes, 生活保護開始,
becomes 他機関へ引継ぎ (a handover to the welfare office), audited; every other value keeps its code."""

import pytest

from casework.models import ClosureReason, ReferralSource
from tests.migrating import historical_case_maker, migrate_to, migrate_to_latest

BEFORE = [("casework", "0020_ledger_import_checking")]
AFTER = [("casework", "0021_national_categories")]


@pytest.mark.django_db(transaction=True)
def test_public_assistance_becomes_a_handover_and_other_reasons_stay():
    apps = migrate_to(BEFORE)
    try:
        Case = apps.get_model("casework", "Case")
        make_case = historical_case_maker(apps)
        welfare, achieved, open_case = make_case("2024-0001"), make_case("2024-0002"), make_case("2024-0003")
        Case.objects.filter(pk=welfare.pk).update(status="closed", closure_reason="public_assistance")
        Case.objects.filter(pk=achieved.pk).update(status="closed", closure_reason="goal_achieved")

        apps = migrate_to(AFTER)
        Case = apps.get_model("casework", "Case")
        AuditEvent = apps.get_model("casework", "AuditEvent")
        reasons = dict(Case.objects.values_list("pk", "closure_reason"))
        assert reasons == {welfare.pk: "handed_over", achieved.pk: "goal_achieved", open_case.pk: ""}
        rows = AuditEvent.objects.filter(channel="migration", object_type="casework.case")
        assert [(r.case_id, r.changes) for r in rows] == [
            (welfare.pk, {"closure_reason": ["public_assistance", "handed_over"]})
        ]
    finally:
        migrate_to_latest()


def test_the_categories_are_the_national_forms():
    assert [label for _code, label in ClosureReason.choices] == [
        "課題解決",
        "他機関へ引継ぎ",
        "転居",
        "死亡",
        "本人の意向による終了",
        "連絡不能",
        "その他",
    ]
    national_sources = [
        "本人",
        "家族・親族",
        "民生委員・児童委員",
        "地域住民・団体",
        "関係機関",
        "行政",
        "その他",
    ]
    labels = [label for _code, label in ReferralSource.choices]
    assert [label for label in labels if label != "アウトリーチ"] == national_sources
