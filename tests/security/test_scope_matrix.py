"""The access matrix at the field level (DESIGN.md §3, "Sharing by scope"; API.md, consents).

An agency sees a case by the widest basis in force for it. With `summary` it sees the household name,
issues, status, the plan's roles and its own activities; every other field is ABSENT (not blanked) from
every surface: the case page, its print, the API (case, activities, members, consent forms), the case list
and search, the report drill-down and export. With `full` it sees what the area team sees.

The fields are not a hand list: every field the case API can answer (CaseDetailSerializer, members
included) that is not in selectors.SUMMARY_FIELDS must be absent for summary, so a field added to the case
is hidden from summary agencies until someone decides otherwise. The values are planted markers, each
unique, searched for in every response body.
"""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework import selectors, services
from casework.api import CaseDetailSerializer, CaseSummarySerializer
from casework.models import ConsentScope
from network.groups import agency_group, area_group
from referrals import services as referral_services
from tests import factories
from tests.security.test_access_matrix import fill, url_patterns

SUMMARY, FULL = ConsentScope.SUMMARY, ConsentScope.FULL
PHONE = "099-7531-8642"
MEMBER_PHONE = "099-8642-7531"


def marker(label: str) -> str:
    return f"架空{label}{uuid.uuid4().hex[:10]}"


def every_case_field() -> set[str]:
    """Every field the case API can answer, derived from the serializer (not a hand list)."""
    return set(CaseDetailSerializer().fields)


def test_summary_fields_are_the_case_list_row_and_a_strict_subset_of_the_case():
    """The summary is what the case list already shows to whoever sees the case; the rest is `full`."""
    assert set(selectors.SUMMARY_FIELDS) == set(CaseSummarySerializer.Meta.fields)
    hidden = every_case_field() - set(selectors.SUMMARY_FIELDS)
    assert {"phone", "address", "household_name_kana", "wishes", "consultation_summary", "members"} <= hidden


class World:
    """One case of the north area, shared with three agencies:
    - `summary_agency` by a summary consent (the agency under test),
    - `other_agency` by a full consent: the "other party" whose activity notes the first must not see,
    - `full_agency` by a full consent (sees everything).
    """

    def __init__(self):
        self.area = factories.make_area("north", "北部エリア")
        self.caseworker = factories.make_staff("cw_north", area=self.area)
        self.summary_agency = factories.make_agency("summary-ag")
        self.other_agency = factories.make_agency("other-ag")
        self.full_agency = factories.make_agency("full-ag")
        self.summary_user = self._agency_user("summary_staff", self.summary_agency)
        self.other_user = self._agency_user("other_staff", self.other_agency)
        self.full_user = self._agency_user("full_staff", self.full_agency)

        self.household_name = marker("世帯")
        self.secrets = {  # what summary must not see: field → planted value
            "household_name_kana": "カクウ" + uuid.uuid4().hex[:8],
            "address": marker("住所"),
            "phone": PHONE,
            "wishes": marker("本人の希望"),
            "consultation_summary": marker("相談概要"),
            "member.name": marker("世帯員"),
            "member.name_kana": "ケンシ" + uuid.uuid4().hex[:8],
            "member.phone": MEMBER_PHONE,
            "plan.wishes": marker("プラン希望"),
            "plan.long_term_goal": marker("長期目標"),
            "plan.goal": marker("短期目標"),
            "plan.person_action": marker("本人の取組"),
            "plan.agreement_note": marker("同意メモ"),
            "evaluation.comment": marker("評価所見"),
            "evaluation.goal_comment": marker("目標所見"),
            "status.note": marker("状況メモ"),
            "activity.team_note": marker("相談員メモ"),
            "activity.other_party_note": marker("他機関メモ"),
            "activity.other_party_partner_note": marker("他機関同行メモ"),
            "document": marker("同意書"),
            "ecomap.resource": marker("民生委員"),
            "assessment.life_history": marker("生活歴"),
            "meeting.decisions": marker("会議決定"),
        }
        self.visible = {  # what summary must see
            "household_name": self.household_name,
            "plan.role": marker("役割"),
            "activity.own_note": marker("自機関メモ"),
            "activity.with_own_agency": marker("自機関同行メモ"),
        }
        s, v = self.secrets, self.visible
        self.case = factories.make_case(
            by=self.caseworker,
            area=self.area,
            name=self.household_name,
            kana=s["household_name_kana"],
            address=s["address"],
            phone=PHONE,
            wishes=s["wishes"],
            consultation_summary=s["consultation_summary"],
        )
        self.member = services.member_add(
            case=self.case,
            added_by=self.caseworker,
            name=s["member.name"],
            name_kana=s["member.name_kana"],
            phone=MEMBER_PHONE,
            birth_date=datetime.date(1931, 2, 3),
            relationship="self",
        )
        self.plan = services.plan_create(
            case=self.case,
            created_by=self.caseworker,
            wishes=s["plan.wishes"],
            long_term_goal=s["plan.long_term_goal"],
            goals=[
                services.PlanGoalDraft(
                    text=s["plan.goal"],
                    actions=[
                        services.PlanAction(
                            support=v["plan.role"], agency=self.summary_agency, frequency="週1回"
                        ),
                        services.PlanAction(support=s["plan.person_action"], who="person"),
                    ],
                )
            ],
            agreed_on=timezone.localdate(),
            agreement_method="other",
            agreement_note=s["plan.agreement_note"],
        )
        services.plan_evaluate(
            plan=self.plan,
            evaluated_by=self.caseworker,
            results=[
                services.GoalAssessment(
                    goal_id=self.plan.goals.get().pk, result="partly", comment=s["evaluation.goal_comment"]
                )
            ],
            decision="revise",
            comment=s["evaluation.comment"],
        )
        services.case_change_status(
            case=self.case, changed_by=self.caseworker, status="assessment", note=s["status.note"]
        )
        self.summary_consent = self._consent(self.summary_agency, SUMMARY)
        self.other_consent = self._consent(self.other_agency, FULL)
        self.full_consent = self._consent(self.full_agency, FULL)
        for consent in (self.summary_consent, self.full_consent):
            services.consent_document_attach(
                consent=consent,
                uploaded_by=self.caseworker,
                upload=SimpleUploadedFile("同意書.pdf", f"%PDF-1.4\n{s['document']}\n".encode()),
            )
        self.resource = services.ecomap_resource_add(
            case=self.case,
            added_by=self.caseworker,
            name=s["ecomap.resource"],
            kind="minsei",
            strength="strong",
            direction="mutual",
        )
        self.assessment = services.assessment_record(
            case=self.case, recorded_by=self.caseworker, life_history=s["assessment.life_history"]
        )
        from casework import meeting_services

        # A 重層的支援会議 the summary agency took part in: it sees the record, not the case's decisions.
        self.meeting = meeting_services.meeting_record(
            recorded_by=self.caseworker,
            kind="multi_agency",
            area=self.area,
            held_on=timezone.localdate(),
            agencies=[self.summary_agency, self.full_agency],
            discussions=[
                meeting_services.Discussion(case=self.case, decisions=s["meeting.decisions"], roles="分担")
            ],
            confidentiality_acknowledged=True,
        )
        log = factories.log_activity
        self.team_activity = log(self.case, by=self.caseworker, note=s["activity.team_note"])
        self.other_activity = log(self.case, by=self.other_user, note=s["activity.other_party_note"])
        self.other_partner_activity = log(
            self.case,
            by=self.caseworker,
            agencies=[self.other_agency],
            note=s["activity.other_party_partner_note"],
        )
        self.own_activity = log(self.case, by=self.summary_user, note=v["activity.own_note"])
        self.with_own_activity = log(
            self.case, by=self.caseworker, agencies=[self.summary_agency], note=v["activity.with_own_agency"]
        )
        self.own_activity_ids = {self.own_activity.pk, self.with_own_activity.pk}

    def _agency_user(self, username, agency):
        user = factories.make_staff(username, role="agency", agency=agency)
        user.groups.add(agency_group(agency))
        return user

    def _consent(self, agency, scope):
        return services.consent_give(
            case=self.case,
            given_by=self.caseworker,
            agencies=[agency],
            given_on=timezone.localdate(),
            scope=scope,
        )

    def secret_values(self) -> list[str]:
        return [*self.secrets.values(), PHONE.replace("-", ""), MEMBER_PHONE.replace("-", ""), "1931"]


@pytest.fixture
def world(db):
    return World()


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def leaks(world, text: str) -> list[str]:
    return [value for value in world.secret_values() if value in text]


# --- the selector ------------------------------------------------------------------------------------


def test_the_scope_follows_the_widest_basis_in_force(world, other_area):
    case = world.case
    assert selectors.case_scope_for(user=world.caseworker, case=case) == FULL
    assert selectors.case_scope_for(user=world.summary_user, case=case) == SUMMARY
    assert selectors.case_scope_for(user=world.full_user, case=case) == FULL
    stranger = factories.make_staff("stranger", role="agency", agency=factories.make_agency())
    assert selectors.case_scope_for(user=stranger, case=case) is None

    # A 支援会議 registration widens the summary agency to full; ending it narrows it back.
    registration = services.support_meeting_register(
        case=case,
        registered_by=world.caseworker,
        agencies=[world.summary_agency],
        registered_on=timezone.localdate(),
        confidentiality_acknowledged=True,
    )
    assert selectors.case_scope_for(user=world.summary_user, case=case) == FULL
    services.support_meeting_end(registration=registration, ended_by=world.caseworker)
    assert selectors.case_scope_for(user=world.summary_user, case=case) == SUMMARY

    # An accepted referral to the agency: full (the agency takes the support on with the team).
    referral = referral_services.referral_request(
        case=case,
        requested_by=world.caseworker,
        kind="collaboration",
        to_agency=world.summary_agency,
        reason="連携",
    )
    assert selectors.case_scope_for(user=world.summary_user, case=case) == SUMMARY  # requested is no basis
    referral_services.referral_accept(referral=referral, accepted_by=world.summary_user)
    assert selectors.case_scope_for(user=world.summary_user, case=case) == FULL


def test_area_staff_of_a_collaborating_area_see_in_full(world, other_area):
    south_cw = factories.make_staff("cw_south", area=other_area)
    south_cw.groups.add(area_group(other_area))
    assert selectors.case_scope_for(user=south_cw, case=world.case) is None
    services.case_access_grant(
        case=world.case,
        group=area_group(other_area),
        basis="referral",
        source_id=1,
        granted_by=world.caseworker,
    )
    assert selectors.case_scope_for(user=south_cw, case=world.case) == FULL


# --- every surface, summary ----------------------------------------------------------------------------


def test_the_api_case_answer_has_exactly_the_summary_fields(world):
    answer = api(world.summary_user).get(f"/api/v1/cases/{world.case.pk}/")
    assert answer.status_code == 200
    data = answer.json()
    assert set(data) == set(selectors.SUMMARY_FIELDS) & every_case_field()
    for field in every_case_field() - set(selectors.SUMMARY_FIELDS):
        assert field not in data, field
    assert data["household_name"] == world.household_name
    assert not leaks(world, body(answer))

    full = api(world.full_user).get(f"/api/v1/cases/{world.case.pk}/").json()
    assert set(full) == every_case_field()
    assert full["address"] == world.secrets["address"] and full["phone"] == PHONE


def test_the_api_activities_are_only_the_agency_s_own(world):
    answer = api(world.summary_user).get(f"/api/v1/cases/{world.case.pk}/activities/")
    assert answer.status_code == 200
    assert {row["id"] for row in answer.json()["results"]} == world.own_activity_ids
    assert not leaks(world, body(answer))
    full = api(world.full_user).get(f"/api/v1/cases/{world.case.pk}/activities/").json()
    assert len(full["results"]) == 5


def test_members_and_consent_forms_do_not_exist_for_summary(world):
    client = api(world.summary_user)
    case_id = world.case.pk
    assert client.get(f"/api/v1/cases/{case_id}/members/").status_code == 404
    for consent in (world.summary_consent, world.full_consent):
        assert client.get(f"/api/v1/cases/{case_id}/consents/{consent.pk}/document/").status_code == 404
        page = web(world.summary_user).get(reverse("casework:consent_document", args=[case_id, consent.pk]))
        assert page.status_code == 404
    full = api(world.full_user)
    assert full.get(f"/api/v1/cases/{case_id}/members/").status_code == 200
    document = full.get(f"/api/v1/cases/{case_id}/consents/{world.full_consent.pk}/document/")
    assert document.status_code == 200 and world.secrets["document"] in body(document)


def test_a_member_does_not_exist_for_summary(world):
    path = f"/api/v1/members/{world.member.pk}/"
    assert api(world.summary_user).patch(path, {"sex": "female"}, format="json").status_code == 404
    page = reverse("casework:member_edit", args=[world.case.pk, world.member.pk])
    assert web(world.summary_user).get(page).status_code == 404
    # The full agency may see the member but not change it: 403, as before.
    assert api(world.full_user).patch(path, {"sex": "female"}, format="json").status_code == 403


def test_the_duplicate_check_names_only_cases_seen_in_full(world):
    """A match by phone or kana in a case seen in summary would reveal what that scope hides: it is only
    "elsewhere", like a case the user may not see."""
    for kwargs in ({"phone": PHONE}, {"kana": world.secrets["household_name_kana"]}):
        summary = selectors.possible_duplicates(fetched_by=world.summary_user, **kwargs)
        assert summary.visible == [] and summary.elsewhere, kwargs
        full = selectors.possible_duplicates(fetched_by=world.full_user, **kwargs)
        assert [c.pk for c in full.visible] == [world.case.pk] and not full.elsewhere, kwargs


def test_another_party_s_activity_does_not_exist_for_summary(world):
    for activity in (world.team_activity, world.other_activity, world.other_partner_activity):
        answer = api(world.summary_user).post(f"/api/v1/activities/{activity.pk}/void/", {"reason": "x"})
        assert answer.status_code == 404
        page = web(world.summary_user).post(
            reverse("casework:activity_void", args=[world.case.pk, activity.pk]), {"reason": "x"}
        )
        assert page.status_code == 404
    own = api(world.summary_user).post(
        f"/api/v1/activities/{world.own_activity.pk}/void/", {"reason": "誤記"}
    )
    assert own.status_code == 200


def test_the_case_page_shows_the_summary_only_and_the_file_does_not_print(world):
    client = web(world.summary_user)
    page = client.get(reverse("casework:case_detail", args=[world.case.pk]))
    assert page.status_code == 200
    html = body(page)
    assert not leaks(world, html)
    for value in world.visible.values():
        assert value in html, value
    assert 'id="members"' not in html and "tel:" not in html
    # Every sheet of the printed file is personal data: a summary reader gets 403 (page and PDF), no link.
    assert reverse("casework:case_print", args=[world.case.pk]) not in html
    for name in ("case_print", "case_print_pdf"):
        refused = client.get(reverse(f"casework:{name}", args=[world.case.pk]))
        assert refused.status_code == 403, name
        assert not leaks(world, body(refused)), name

    full = body(web(world.full_user).get(reverse("casework:case_detail", args=[world.case.pk])))
    # the document is a download; the resources are on the genogram page
    elsewhere = {
        world.secrets["document"],
        world.secrets["ecomap.resource"],
        world.secrets["assessment.life_history"],  # on the assessment's own page
        world.secrets["meeting.decisions"],  # on the meeting's own page
    }
    assert all(value in full for value in world.secrets.values() if value not in elsewhere)
    genogram = body(web(world.full_user).get(reverse("casework:case_genogram", args=[world.case.pk])))
    assert world.secrets["ecomap.resource"] in genogram


def test_search_does_not_find_a_case_by_what_summary_may_not_see(world):
    def found(user, q):
        return {row["id"] for row in api(user).get("/api/v1/cases/", {"q": q}).json()["results"]}

    case_id = world.case.pk
    hidden_queries = [
        PHONE,
        PHONE.replace("-", ""),
        MEMBER_PHONE,
        world.secrets["member.name"],
        world.secrets["member.name"][3:5],  # "帯員": a bigram of the member's name only
        world.secrets["member.name_kana"],
        world.secrets["household_name_kana"],
    ]
    for q in hidden_queries:
        assert found(world.summary_user, q) == set(), q
        assert found(world.full_user, q) == {case_id}, q
        page = web(world.summary_user).get(reverse("casework:case_list"), {"q": q})
        assert world.case.number not in body(page), q
    assert found(world.summary_user, world.household_name) == {case_id}
    assert found(world.summary_user, world.household_name[2:6]) == {case_id}
    assert found(world.summary_user, world.case.number) == {case_id}


def test_every_case_route_answers_the_summary_agency_without_a_hidden_value(world):
    """Every GET route of the project that names the case (pages, API, downloads): none carries a value
    outside the summary, whatever it answers."""
    objects = {
        "case_id": world.case.pk,
        "activity_id": world.team_activity.pk,
        "consent_id": world.summary_consent.pk,
        "registration_id": 1,
        "grant_id": 1,
        "referral_id": 1,
        "member_id": world.member.pk,
        "resource_id": world.resource.pk,
        "assessment_id": world.assessment.pk,
        "meeting_id": world.meeting.pk,
        "plan_id": world.plan.pk,
        "import_id": 1,  # a manager's upload: not the agency's to see
    }
    web_client, api_client = web(world.summary_user), api(world.summary_user)
    walked = 0
    for route, _pattern in url_patterns():
        if route.startswith("admin/") or "<" not in route:
            continue
        client = api_client if route.startswith("api/") else web_client
        response = client.get(fill(route, objects))
        assert response.status_code < 500, route
        assert not leaks(world, body(response)), route
        walked += 1
    assert walked > 10


def test_report_drill_down_and_export_show_no_hidden_value(world, other_area):
    """A user who is also a coordinator elsewhere reaches the reports; the case behind a figure is listed
    by its summary fields, and the export holds no personal data at all."""
    from network.models import Membership, Role

    Membership.objects.create(user=world.summary_user, role=Role.COORDINATOR, area=other_area)
    client = factories.verified_client(world.summary_user)
    today = timezone.localdate()
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    drill = client.get(reverse("reports:drilldown"), {"fiscal_year": fiscal_year})
    assert drill.status_code == 200
    assert world.case.number in body(drill)
    assert not leaks(world, body(drill))
    for fmt in ("csv", "json"):
        export = client.get(reverse("reports:export"), {"fiscal_year": fiscal_year, "format": fmt})
        assert export.status_code == 200 and not leaks(world, body(export))


# --- withdrawal and narrowing take effect on the next request ----------------------------------------------


def test_narrowing_takes_effect_on_the_next_request(world):
    """The full agency's consent is withdrawn and a summary one recorded: its very next request sees the
    summary; then withdrawing that one too leaves it nothing (404)."""
    client = api(world.full_user)
    url = f"/api/v1/cases/{world.case.pk}/"
    assert "address" in client.get(url).json()
    summary = world._consent(world.full_agency, SUMMARY)
    assert "address" in client.get(url).json()  # the widest basis in force: the full consent still stands
    services.consent_withdraw(consent=world.full_consent, withdrawn_by=world.caseworker)
    narrowed = client.get(url)
    assert set(narrowed.json()) == set(selectors.SUMMARY_FIELDS) & every_case_field() and not leaks(
        world, body(narrowed)
    )
    page = web(world.full_user).get(reverse("casework:case_detail", args=[world.case.pk]))
    assert not leaks(world, body(page))
    services.consent_withdraw(consent=summary, withdrawn_by=world.caseworker)
    assert client.get(url).status_code == 404


def test_a_session_opened_before_withdrawal_sees_it_on_the_next_page(world):
    client = web(world.summary_user)
    page = reverse("casework:case_detail", args=[world.case.pk])
    assert client.get(page).status_code == 200
    services.consent_withdraw(consent=world.summary_consent, withdrawn_by=world.caseworker)
    assert client.get(page).status_code == 404
    assert api(world.summary_user).get(f"/api/v1/cases/{world.case.pk}/activities/").status_code == 404


# --- the contract of `scope` ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"), [("summary", SUMMARY), ("full", FULL), ("all", FULL), (None, SUMMARY)]
)
def test_the_api_accepts_the_scope_codes_and_all_as_full(world, sent, stored):
    payload = {"agencies": [world.summary_agency.code], "given_on": timezone.localdate().isoformat()}
    if sent is not None:
        payload["scope"] = sent
    answer = api(world.caseworker).post(f"/api/v1/cases/{world.case.pk}/consents/", payload, format="json")
    assert answer.status_code == 201 and answer.json()["scope"] == stored


@pytest.mark.parametrize("sent", ["everything", "FULL", "", "概要", 1])
def test_any_other_scope_is_400(world, sent):
    payload = {
        "agencies": [world.summary_agency.code],
        "given_on": timezone.localdate().isoformat(),
        "scope": sent,
    }
    answer = api(world.caseworker).post(f"/api/v1/cases/{world.case.pk}/consents/", payload, format="json")
    assert answer.status_code == 400 and "scope" in answer.json()


def test_assessments_are_absent_for_summary_and_readable_in_full(world):
    """Assessments are narratives: a summary-scope agency meets 404 on their pages and API; full reads."""
    urls = [
        reverse("casework:assessment_history", args=[world.case.pk]),
        reverse("casework:assessment_detail", args=[world.case.pk, world.assessment.pk]),
    ]
    api_urls = [f"/api/v1/cases/{world.case.pk}/assessments/", f"/api/v1/assessments/{world.assessment.pk}/"]
    for url in urls:
        assert web(world.summary_user).get(url).status_code == 404, url
        assert web(world.full_user).get(url).status_code == 200, url
    for url in api_urls:
        assert api(world.summary_user).get(url).status_code == 404, url
        assert api(world.full_user).get(url).status_code == 200, url


def test_a_meeting_record_shows_the_summary_agency_no_decisions_of_the_case(world):
    """Both agencies took part in the meeting; only the one sharing the case in full reads the decisions."""
    page = reverse("meetings:meeting_detail", args=[world.meeting.pk])
    api_url = f"/api/v1/meetings/{world.meeting.pk}/"
    decisions = world.secrets["meeting.decisions"]
    assert web(world.summary_user).get(page).status_code == 200
    assert decisions not in body(web(world.summary_user).get(page))
    assert decisions not in body(api(world.summary_user).get(api_url))
    assert decisions in body(web(world.full_user).get(page))
    assert decisions in body(api(world.full_user).get(api_url))
