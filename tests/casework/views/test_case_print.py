"""The printable case record (支援経過記録シート): an audited read of its own, 404 for anyone else."""

import datetime

from django.urls import reverse

from casework import services
from casework.models import AuditEvent
from tests import factories


def print_url(case):
    return reverse("casework:case_print", args=[case.pk])


def test_printing_a_case_shows_its_record_and_is_audited_as_a_print(cw_client, caseworker, case, agency):
    services.member_add(
        case=case,
        added_by=caseworker,
        name="架空 花子",
        name_kana="カクウ ハナコ",
        birth_date=datetime.date(1950, 1, 23),
        relationship="self",
    )
    services.plan_create(case=case, created_by=caseworker, long_term_goal="架空の長期目標")
    factories.log_activity(case, by=caseworker, agencies=[agency], note="架空の訪問メモ")

    response = cw_client.get(print_url(case))

    assert response.status_code == 200
    body = response.content.decode()
    for shown in (case.number, "架空 太郎", "架空 花子", "架空の長期目標", "架空の訪問メモ"):
        assert shown in body
    rows = AuditEvent.objects.filter(case=case, action__in=["case.print", "case.view"])
    assert list(rows.values_list("action", "actor")) == [("case.print", caseworker.pk)]


def test_a_case_the_user_may_not_see_is_404_and_nothing_is_recorded(cw_client, other_case):
    assert cw_client.get(print_url(other_case)).status_code == 404
    assert not AuditEvent.objects.filter(case=other_case, action="case.print").exists()


def test_the_case_page_links_to_the_print(cw_client, case):
    assert print_url(case) in cw_client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
