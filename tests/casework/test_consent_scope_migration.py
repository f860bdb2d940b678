"""0014: free-text consent scopes become codes, on the safe side: only a text that clearly means everything
becomes `full`; anything else `summary`. Each change is audited with the old wording encrypted."""

import datetime

import pytest

from tests.migrating import historical_case_maker, migrate_to, migrate_to_latest

BEFORE = [("casework", "0013_audit_action_choices_in_code")]
AFTER = [("casework", "0014_consent_scope_choices")]


@pytest.mark.django_db(transaction=True)
def test_free_text_scopes_map_to_summary_unless_clearly_full():
    apps = migrate_to(BEFORE)
    try:
        Consent = apps.get_model("casework", "Consent")
        make_case = historical_case_maker(apps)
        case, user = make_case("2024-0001"), make_case.user
        texts = {
            "": "summary",
            "通院の情報": "summary",
            "長男 太郎さんの就労のことも": "summary",
            "全部ではない": "summary",
            "summary": "summary",
            "full": "full",
            " ALL ": "full",
            "すべて": "full",
            "全て": "full",
            "全情報": "full",
            "ｆｕｌｌ": "full",
        }
        ids = {
            text: Consent.objects.create(
                case=case, given_on=datetime.date(2024, 4, 1), scope=text, recorded_by=user
            ).pk
            for text in texts
        }

        apps = migrate_to(AFTER)
        Consent = apps.get_model("casework", "Consent")
        AuditEvent = apps.get_model("casework", "AuditEvent")
        stored = dict(Consent.objects.values_list("pk", "scope"))
        assert {text: stored[pk] for text, pk in ids.items()} == texts
        audited = {
            int(e.object_id): e for e in AuditEvent.objects.filter(channel="migration", action="consent.give")
        }
        assert set(audited) == {pk for text, pk in ids.items() if text != texts[text]}
        row = audited[ids["長男 太郎さんの就労のことも"]]
        assert row.changes == {"scope": ["(free text)", "summary"]}
        assert "長男 太郎さんの就労のことも" in row.reason  # decrypted: kept as evidence, encrypted at rest
        assert "太郎" not in str(row.changes)
    finally:
        migrate_to_latest()
