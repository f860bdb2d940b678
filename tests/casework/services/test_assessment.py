"""assessment_record (インテーク・アセスメントシート): versions, the copy a re-assessment starts from, the
rules on its input, who may write it, its audit row and its encryption at rest."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from casework import encryption, selectors, services
from casework.models import ASSESSMENT_DOMAINS, Assessment, AuditEvent
from network.groups import agency_group
from network.models import Role
from tests import factories


def record(case, by, **content):
    return services.assessment_record(case=case, recorded_by=by, **content)


def test_the_first_assessment_is_version_one_with_unassessed_domains_left_unknown(case, caseworker):
    assessment = record(case, caseworker, health_status="issue", health_note="通院が途切れている")

    assert assessment.version == 1
    assert assessment.assessed_on == timezone.localdate()
    assert assessment.health_status == "issue" and assessment.health_note == "通院が途切れている"
    assert {d["status"] for d in assessment.domains() if d["code"] != "health"} == {"unknown"}
    assert [d["code"] for d in assessment.domains()] == [code for code, _label in ASSESSMENT_DOMAINS]


def test_a_reassessment_is_a_new_version_copied_from_the_latest_and_the_old_one_stays(case, caseworker):
    first = record(
        case, caseworker, health_status="issue", health_note="通院が途切れている", life_history="生活歴の記載"
    )
    second = record(case, caseworker, health_status="watch", economy_status="urgent", economy_note="滞納")

    assert second.version == 2 and second.pk != first.pk
    assert (second.health_status, second.health_note) == ("watch", "通院が途切れている")  # note copied
    assert second.life_history == "生活歴の記載"
    assert (second.economy_status, second.economy_note) == ("urgent", "滞納")
    first.refresh_from_db()
    assert (first.health_status, first.economy_status, first.economy_note) == ("issue", "unknown", "")
    assert [a.version for a in selectors.case_assessments(case=case)] == [2, 1]
    assert selectors.assessment_latest(case=case) == second


def test_a_narrative_can_be_cleared_in_a_reassessment(case, caseworker):
    record(case, caseworker, strengths="近所に頼れる友人がいる")
    assert record(case, caseworker, strengths="").strengths == ""


def test_the_form_starts_from_the_latest_version(case, caseworker):
    assert selectors.assessment_initial(case=case) == {"assessed_on": timezone.localdate()}
    record(case, caseworker, housing_status="issue", housing_note="家賃滞納")
    initial = selectors.assessment_initial(case=case)
    assert initial["housing_status"] == "issue" and initial["housing_note"] == "家賃滞納"
    assert set(initial) == {"assessed_on", *Assessment.content_fields()}


def test_versions_are_counted_per_case(case, caseworker, area):
    other = factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")
    record(case, caseworker)
    record(case, caseworker)
    assert record(other, caseworker).version == 1


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"health_status": "fine"}, "health_status"),
        ({"analysis": "あ" * 4001}, "analysis"),
        ({"assessed_on": timezone.localdate() + datetime.timedelta(days=1)}, "assessed_on"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(case, caseworker, content, field):
    with pytest.raises(ValidationError) as refused:
        record(case, caseworker, **content)
    assert field in refused.value.message_dict
    assert not Assessment.objects.exists()


def test_a_reassessment_dated_before_the_latest_is_refused(case, caseworker):
    record(case, caseworker, assessed_on=datetime.date(2025, 6, 1))
    with pytest.raises(ValidationError) as refused:
        record(case, caseworker, assessed_on=datetime.date(2025, 5, 31))
    assert "2025-06-01" in refused.value.message_dict["assessed_on"][0]


def test_an_unknown_field_is_a_programming_error(case, caseworker):
    with pytest.raises(TypeError):
        record(case, caseworker, mood="good")


def test_only_the_area_team_records_an_assessment(case, caseworker, agency):
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate(), scope="full"
    )
    agency_staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    agency_staff.groups.add(agency_group(agency))
    assert selectors.can_read_assessment(user=agency_staff, case=case)
    assert not selectors.can_record_assessment(user=agency_staff, case=case)
    with pytest.raises(PermissionDenied):
        record(case, agency_staff, health_status="issue")
    assert not Assessment.objects.exists()


def test_outsiders_may_not_read(case, other_caseworker):
    record(case, case.created_by)
    assert not selectors.can_read_assessment(user=other_caseworker, case=case)
    with pytest.raises(Assessment.DoesNotExist):
        selectors.assessment_get(fetched_by=other_caseworker, assessment_id=case.assessments.get().pk)


def test_the_audit_row_shows_what_changed_with_narratives_masked(case, caseworker):
    record(case, caseworker, health_status="issue", health_note="通院が途切れている")
    second = record(case, caseworker, health_status="watch", family_note="介護負担が大きい")

    row = AuditEvent.objects.filter(action="assessment.create").order_by("-id").first()
    assert (row.actor, row.case, row.object_id) == (caseworker, case, str(second.pk))
    assert row.changes["health_status"] == ["issue", "watch"]
    assert row.changes["family_note"] == ["", "***"]
    assert row.changes["version"] == [1, 2]
    assert "health_note" not in row.changes  # copied unchanged
    assert "介護負担" not in str(row.changes)


def test_narratives_are_stored_encrypted_under_their_own_column(case, caseworker):
    assessment = record(case, caseworker, analysis="架空の分析ABC")
    with connection.cursor() as cursor:
        cursor.execute("SELECT analysis FROM casework_assessment WHERE id = %s", [assessment.pk])
        stored = cursor.fetchone()[0]
    assert "架空の分析ABC" not in stored
    assert encryption.decrypt(stored, context="casework_assessment.analysis") == "架空の分析ABC"


def test_every_narrative_is_in_the_rotation_registry():
    from casework.rotation import encrypted_columns

    registered = {c.label for c in encrypted_columns() if c.table == "casework_assessment"}
    narratives = {
        f"casework.Assessment.{n}" for n in Assessment.content_fields() if not n.endswith("_status")
    }
    assert registered == narratives
