"""Every AuditAction is written by the path that should write it: the real page, API, admin or service,
never casework.audit.record called by the test.

PATHS maps each action to the ways a user reaches it. The parametrisation runs over AuditAction itself, so
a new action fails `test_the_path_writes_its_action[<action>-missing]` until a path for it is added here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework import services
from casework.models import AuditAction, AuditEvent, Case, CaseStatus, LedgerImport
from network.models import Role
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from referrals import services as referral_services
from reports.services import indicator_master_data_seed
from tests import factories

PASSWORD = "correct-horse-9"


def _staff(username: str, role: str, **team):
    user = factories.make_staff(username, role=role, password=PASSWORD, **team)
    staff_groups_sync(user=user)
    return user


class World:
    """A north case, its area team and coordinator, the south coordinator, a partner agency, a manager
    and an auditor, each with the groups and role permissions their memberships give them."""

    def __init__(self):
        role_permissions_sync()
        self.north, self.south = factories.make_area("north"), factories.make_area("south")
        self.agency = factories.make_agency("houkatsu-n")
        self.caseworker = _staff("cw_north", Role.CASEWORKER, area=self.north)
        self.coordinator = _staff("co_north", Role.COORDINATOR, area=self.north)
        self.south_coordinator = _staff("co_south", Role.COORDINATOR, area=self.south)
        self.manager = _staff("mgr", Role.MANAGER)
        self.auditor = _staff("auditor", Role.AUDITOR)
        self.case = factories.make_case(by=self.caseworker, area=self.north)

    def web(self, user) -> Client:
        return factories.verified_client(user)

    def api(self, user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def url(self, name: str, *args) -> str:
        return reverse(f"casework:{name}", args=[self.case.pk, *args])


def expect(response, status: int = 302) -> None:
    assert response.status_code == status, getattr(response, "content", b"")[:500]


# --- the paths -------------------------------------------------------------------------------------------
# Each performs one way of reaching its action and returns the actor the row must name (None: nobody is
# signed in, e.g. a failed login).

Path = Callable[[World], object]
PATHS: dict[str, list[Path]] = {}


def path(action: str):
    def register(perform: Path) -> Path:
        PATHS.setdefault(action, []).append(perform)
        return perform

    return register


@path(AuditAction.CASE_VIEW)
def open_the_case_page(w):
    expect(w.web(w.caseworker).get(w.url("case_detail")), 200)
    return w.caseworker


@path(AuditAction.CASE_VIEW)
def read_the_case_through_the_api(w):
    expect(w.api(w.caseworker).get(f"/api/v1/cases/{w.case.pk}/"), 200)
    return w.caseworker


@path(AuditAction.CASE_CREATE)
def open_a_case_at_intake(w):
    intake = {
        "area": w.north.pk,
        "household_name": "架空 次郎",
        "household_name_kana": "かくう じろう",
        "contact_method": "phone",
        "urgency": "medium",
        "issues": ["poverty"],
        "main_issue": "poverty",
        "opened_on": timezone.localdate().isoformat(),
        "confirm_duplicate": "on",
    }
    expect(w.web(w.caseworker).post(reverse("casework:case_create"), intake))
    return w.caseworker


@path(AuditAction.CASE_UPDATE)
def edit_the_intake_through_the_api(w):
    expect(w.api(w.caseworker).patch(f"/api/v1/cases/{w.case.pk}/", {"urgency": "high"}), 200)
    return w.caseworker


@path(AuditAction.CASE_UPDATE)
def edit_the_case_record_on_the_web(w):
    record = {
        "household_name": "架空 三郎",
        "household_name_kana": "かくう さぶろう",
        "urgency": "high",
        "issues": ["poverty"],
        "main_issue": "poverty",
    }
    expect(w.web(w.caseworker).post(w.url("case_edit"), record))
    return w.caseworker


@path(AuditAction.CASE_UPDATE)
def assign_the_lead_caseworker(w):
    expect(w.web(w.coordinator).post(w.url("lead_assign"), {"lead-lead_caseworker": w.coordinator.pk}))
    return w.coordinator


@path(AuditAction.CASE_UPDATE)
@path(AuditAction.REFERRAL)
def accept_a_transfer(w):
    referral = referral_services.referral_request(
        case=w.case, requested_by=w.caseworker, kind="transfer", to_area=w.south, reason="転居予定"
    )
    client = w.web(w.south_coordinator)
    expect(client.post(reverse("referrals:referral_accept", args=[referral.pk])))
    return w.south_coordinator


@path(AuditAction.CASE_STATUS)
def close_the_case(w):
    data = {"status-status": "closed", "status-closure_reason": "moved"}
    expect(w.web(w.caseworker).post(w.url("case_change_status"), data))
    return w.caseworker


@path(AuditAction.CASE_STATUS)
def reopen_the_case(w):
    services.case_close(case=w.case, closed_by=w.caseworker, reason="moved")
    expect(w.web(w.caseworker).post(w.url("case_reopen"), {"reopen-note": ""}))
    assert Case.objects.get(pk=w.case.pk).status == CaseStatus.ASSESSMENT
    return w.caseworker


@path(AuditAction.CASE_EXPORT)
def export_the_audit_log(w):
    response = w.web(w.auditor).get("/audit/export.csv")
    expect(response, 200)
    b"".join(response.streaming_content)
    return w.auditor


@path(AuditAction.CASE_PRINT)
def print_the_case(w):
    expect(w.web(w.caseworker).get(w.url("case_print")), 200)
    return w.caseworker


@path(AuditAction.MEMBER_CHANGE)
def add_a_member(w):
    data = {"member-name": "架空 花", "member-name_kana": "カクウ ハナ", "member-relationship": "child"}
    expect(w.web(w.caseworker).post(w.url("member_add"), {**data, "member-sex": "female"}))
    return w.caseworker


@path(AuditAction.ECOMAP_CHANGE)
def add_an_ecomap_resource(w):
    data = {"resource-name": "架空 民生委員", "resource-kind": "minsei", "resource-strength": "strong"}
    expect(w.web(w.caseworker).post(w.url("ecomap_resource_add"), {**data, "resource-direction": "mutual"}))
    return w.caseworker


def _ecomap_resource(w):
    return services.ecomap_resource_add(case=w.case, added_by=w.caseworker, name="架空 サロン", kind="salon")


@path(AuditAction.ECOMAP_CHANGE)
def edit_an_ecomap_resource(w):
    resource = _ecomap_resource(w)
    data = {"resource-name": "架空 サロン", "resource-kind": "salon", "resource-strength": "weak"}
    url = w.url("ecomap_resource_edit", resource.pk)
    expect(w.web(w.caseworker).post(url, {**data, "resource-direction": "to_household"}))
    return w.caseworker


@path(AuditAction.ECOMAP_CHANGE)
def remove_an_ecomap_resource(w):
    resource = _ecomap_resource(w)
    expect(w.web(w.caseworker).post(w.url("ecomap_resource_remove", resource.pk), {"confirm": "on"}))
    return w.caseworker


@path(AuditAction.MEMBER_CHANGE)
def edit_a_member(w):
    member = services.member_add(
        case=w.case, added_by=w.caseworker, name="架空 花", name_kana="カクウ ハナ", relationship="child"
    )
    services.member_update(member=member, updated_by=w.caseworker, phone="000-0000-0000")
    return w.caseworker


@path(AuditAction.ASSESSMENT_CREATE)
def make_the_assessment_on_its_form(w):
    data = {"assessed_on": timezone.localdate().isoformat(), "health_note": "架空の記載"}
    data |= {f"{code}_status": "watch" for code in ("health", "daily_living", "economy", "work")}
    data |= {f"{code}_status": "none" for code in ("housing", "family", "social", "rights")}
    expect(w.web(w.caseworker).post(w.url("assessment_create"), data))
    return w.caseworker


@path(AuditAction.ASSESSMENT_CREATE)
def reassess_through_the_api(w):
    services.assessment_record(case=w.case, recorded_by=w.caseworker)
    expect(w.api(w.caseworker).post(f"/api/v1/cases/{w.case.pk}/assessments/", {"work_status": "issue"}), 201)
    return w.caseworker


@path(AuditAction.ASSESSMENT_VIEW)
def read_an_assessment_page(w):
    assessment = services.assessment_record(case=w.case, recorded_by=w.caseworker)
    expect(w.web(w.caseworker).get(w.url("assessment_detail", assessment.pk)), 200)
    return w.caseworker


@path(AuditAction.ASSESSMENT_VIEW)
def read_the_assessment_history(w):
    expect(w.web(w.caseworker).get(w.url("assessment_history")), 200)
    return w.caseworker


@path(AuditAction.ASSESSMENT_VIEW)
def read_the_assessments_through_the_api(w):
    assessment = services.assessment_record(case=w.case, recorded_by=w.caseworker)
    expect(w.api(w.caseworker).get(f"/api/v1/assessments/{assessment.pk}/"), 200)
    return w.caseworker


@path(AuditAction.PLAN_CREATE)
def make_the_plan(w):
    data = {
        "plan-created_on": timezone.localdate().isoformat(),
        "plan-long_term_goal": "架空の目標",
        "goals-TOTAL": "1",
        "actions-TOTAL": "1",
        "goals-0-text": "架空の短期目標",
        "actions-0-goal": "1",
        "actions-0-who": "agency",
        "actions-0-agency": w.agency.pk,
        "actions-0-support": "見守り",
        "actions-0-frequency": "週1回",
    }
    expect(w.web(w.caseworker).post(w.url("plan_create"), data))
    return w.caseworker


@path(AuditAction.PLAN_CREATE)
def make_the_plan_through_the_api(w):
    body = {"goals": [{"text": "架空の短期目標", "actions": [{"who": "person", "support": "通院する"}]}]}
    expect(w.api(w.caseworker).post(f"/api/v1/cases/{w.case.pk}/plans/", body, format="json"), 201)
    return w.caseworker


def _plan_to_evaluate(w):
    plan = services.plan_create(
        case=w.case, created_by=w.caseworker, goals=[services.PlanGoalDraft("架空の短期目標")]
    )
    return plan, plan.goals.get()


@path(AuditAction.PLAN_EVALUATE)
def evaluate_the_plan_on_its_page(w):
    plan, goal = _plan_to_evaluate(w)
    data = {
        "evaluated_on": timezone.localdate().isoformat(),
        f"goal-{goal.pk}-result": "partly",
        "decision": "revise",
    }
    expect(w.web(w.caseworker).post(w.url("plan_evaluate", plan.pk), data))
    return w.caseworker


@path(AuditAction.PLAN_EVALUATE)
def evaluate_the_plan_through_the_api(w):
    plan, goal = _plan_to_evaluate(w)
    body = {
        "results": [{"goal": goal.pk, "result": "achieved"}],
        "decision": "close",
        "closure_reason": "goal_achieved",
    }
    url = f"/api/v1/cases/{w.case.pk}/plans/{plan.pk}/evaluations/"
    expect(w.api(w.caseworker).post(url, body, format="json"), 201)
    return w.caseworker


@path(AuditAction.ACTIVITY_CREATE)
def log_an_activity(w):
    data = {
        "log-kind": "visit",
        "log-occurred_at": "2024-05-01T10:30",
        "log-minutes": "30",
        "log-note": "訪問",
    }
    expect(w.web(w.caseworker).post(reverse("casework:activity_log", args=[w.case.pk]), data))
    return w.caseworker


@path(AuditAction.ACTIVITY_UPDATE)
def correct_an_activity(w):
    activity = factories.log_activity(w.case, by=w.caseworker)
    services.activity_edit(activity=activity, edited_by=w.caseworker, minutes=45)
    return w.caseworker


@path(AuditAction.ACTIVITY_VOID)
def void_an_activity(w):
    activity = factories.log_activity(w.case, by=w.caseworker)
    expect(w.web(w.caseworker).post(w.url("activity_void", activity.pk), {"reason": "重複"}))
    return w.caseworker


@path(AuditAction.ACTIVITY_VOID)
def void_an_activity_through_the_api(w):
    activity = factories.log_activity(w.case, by=w.caseworker)
    expect(w.api(w.caseworker).post(f"/api/v1/activities/{activity.pk}/void/", {"reason": "重複"}), 200)
    return w.caseworker


def _give_consent(w):
    data = {"consent-agencies": [w.agency.pk], "consent-given_on": timezone.localdate().isoformat()}
    expect(w.web(w.caseworker).post(w.url("consent_give"), data))
    return w.caseworker


path(AuditAction.CONSENT_GIVE)(_give_consent)
path(AuditAction.PERMISSION_GRANT)(_give_consent)


def _withdraw_consent(w):
    consent = services.consent_give(
        case=w.case, given_by=w.caseworker, agencies=[w.agency], given_on=timezone.localdate()
    )
    expect(w.web(w.caseworker).post(w.url("consent_withdraw", consent.pk)))
    return w.caseworker


path(AuditAction.CONSENT_WITHDRAW)(_withdraw_consent)
path(AuditAction.PERMISSION_REVOKE)(_withdraw_consent)


PDF = b"%PDF-1.4\n%audit\n%%EOF\n"


def _consent_with_document(w):
    consent = services.consent_give(
        case=w.case, given_by=w.caseworker, agencies=[w.agency], given_on=timezone.localdate()
    )
    services.consent_document_attach(
        consent=consent, uploaded_by=w.caseworker, upload=SimpleUploadedFile("同意書.pdf", PDF)
    )
    return consent


@path(AuditAction.DOCUMENT_UPLOAD)
def attach_a_consent_form_on_the_page(w):
    consent = services.consent_give(
        case=w.case, given_by=w.caseworker, agencies=[w.agency], given_on=timezone.localdate()
    )
    upload = SimpleUploadedFile("同意書.pdf", PDF)
    expect(w.web(w.caseworker).post(w.url("consent_document", consent.pk), {"document-file": upload}))
    return w.caseworker


@path(AuditAction.DOCUMENT_UPLOAD)
def attach_a_consent_form_through_the_api(w):
    consent = services.consent_give(
        case=w.case, given_by=w.caseworker, agencies=[w.agency], given_on=timezone.localdate()
    )
    url = f"/api/v1/cases/{w.case.pk}/consents/{consent.pk}/document/"
    upload = SimpleUploadedFile("同意書.pdf", PDF)
    expect(w.api(w.caseworker).post(url, {"file": upload}, format="multipart"), 201)
    return w.caseworker


@path(AuditAction.DOCUMENT_DOWNLOAD)
def download_a_consent_form_on_the_page(w):
    consent = _consent_with_document(w)
    expect(w.web(w.caseworker).get(w.url("consent_document", consent.pk)), 200)
    return w.caseworker


@path(AuditAction.DOCUMENT_DOWNLOAD)
def download_a_consent_form_through_the_api(w):
    consent = _consent_with_document(w)
    expect(w.api(w.caseworker).get(f"/api/v1/cases/{w.case.pk}/consents/{consent.pk}/document/"), 200)
    return w.caseworker


@path(AuditAction.DOCUMENT_DELETE)
def remove_a_consent_form_on_the_page(w):
    consent = _consent_with_document(w)
    data = {"file_id": str(consent.document.file_id)}
    expect(w.web(w.caseworker).post(w.url("consent_document_delete", consent.pk), data))
    return w.caseworker


@path(AuditAction.DOCUMENT_DELETE)
def remove_a_consent_form_through_the_api(w):
    consent = _consent_with_document(w)
    url = f"/api/v1/cases/{w.case.pk}/consents/{consent.pk}/document/"
    expect(w.api(w.caseworker).delete(url), 204)
    return w.caseworker


@path(AuditAction.MEETING_REGISTER)
def register_a_support_meeting(w):
    data = {
        "meeting-agencies": [w.agency.pk],
        "meeting-registered_on": timezone.localdate().isoformat(),
        "meeting-confidentiality_acknowledged": "on",
    }
    expect(w.web(w.caseworker).post(w.url("meeting_register"), data))
    return w.caseworker


@path(AuditAction.MEETING_END)
def end_a_support_meeting(w):
    registration = services.support_meeting_register(
        case=w.case,
        registered_by=w.caseworker,
        agencies=[w.agency],
        registered_on=timezone.localdate(),
        confidentiality_acknowledged=True,
    )
    expect(w.web(w.caseworker).post(w.url("meeting_end", registration.pk)))
    return w.caseworker


def _meeting_record(w, kind="case_conference"):
    from casework import meeting_services

    return meeting_services.meeting_record(
        recorded_by=w.caseworker,
        kind=kind,
        area=w.north,
        held_on=timezone.localdate(),
        agencies=[w.agency],
        discussions=[meeting_services.Discussion(case=w.case, decisions="受診同行", roles="包括: 同行")],
        confidentiality_acknowledged=True,
    )


def _meeting_form(w, **extra) -> dict:
    return {
        "meeting-kind": "support",
        "meeting-area": w.north.pk,
        "meeting-held_on": timezone.localdate().isoformat(),
        "meeting-agencies": [w.agency.pk],
        "meeting-confidentiality_acknowledged": "on",
        "cases-TOTAL_FORMS": "1",
        "cases-INITIAL_FORMS": "0",
        "cases-MIN_NUM_FORMS": "0",
        "cases-MAX_NUM_FORMS": "30",
        "cases-0-number": w.case.number,
        "cases-0-decisions": "受診同行を行う",
        "cases-0-roles": "包括: 受診同行",
        **extra,
    }


@path(AuditAction.MEETING_RECORD_CREATE)
@path(AuditAction.MEETING_REGISTER)
def record_a_support_meeting_on_its_page(w):
    expect(w.web(w.caseworker).post(reverse("meetings:meeting_create"), _meeting_form(w)))
    return w.caseworker


@path(AuditAction.MEETING_RECORD_CREATE)
def record_a_meeting_through_the_api(w):
    body = {
        "kind": "case_conference",
        "area": w.north.code,
        "held_on": timezone.localdate().isoformat(),
        "agencies": [w.agency.code],
        "cases": [{"case": w.case.pk, "decisions": "受診同行"}],
    }
    expect(w.api(w.coordinator).post("/api/v1/meetings/", body, format="json"), 201)
    return w.coordinator


@path(AuditAction.MEETING_RECORD_UPDATE)
@path(AuditAction.MEETING_END)
def take_a_case_off_a_support_meeting_on_its_page(w):
    meeting = _meeting_record(w, kind="support")
    other = factories.make_case(by=w.caseworker, area=w.north, name="架空 三郎", kana="カクウ サブロウ")
    data = _meeting_form(w, **{"cases-0-number": other.number})
    del data["meeting-area"]
    expect(w.web(w.caseworker).post(reverse("meetings:meeting_edit", args=[meeting.pk]), data))
    return w.caseworker


@path(AuditAction.MEETING_RECORD_UPDATE)
def change_a_meeting_through_the_api(w):
    meeting = _meeting_record(w)
    expect(
        w.api(w.coordinator).patch(
            f"/api/v1/meetings/{meeting.pk}/", {"kind": "multi_agency"}, format="json"
        ),
        200,
    )
    return w.coordinator


@path(AuditAction.MEETING_RECORD_VIEW)
def open_a_meeting_record(w):
    meeting = _meeting_record(w)
    expect(w.web(w.caseworker).get(reverse("meetings:meeting_detail", args=[meeting.pk])), 200)
    return w.caseworker


@path(AuditAction.MEETING_RECORD_VIEW)
def read_a_meeting_record_through_the_api(w):
    meeting = _meeting_record(w)
    expect(w.api(w.caseworker).get(f"/api/v1/meetings/{meeting.pk}/"), 200)
    return w.caseworker


@path(AuditAction.MEETING_RECORD_VIEW)
def open_a_meeting_record_for_editing(w):
    meeting = _meeting_record(w)
    expect(w.web(w.coordinator).get(reverse("meetings:meeting_edit", args=[meeting.pk])), 200)
    return w.coordinator


@path(AuditAction.SHARE_OVERRIDE)
def share_without_a_basis(w):
    data = {"share-agency": w.agency.pk, "share-reason": "安否確認のため"}
    expect(w.web(w.coordinator).post(w.url("share_override"), data))
    return w.coordinator


@path(AuditAction.SHARE_OVERRIDE)
@path(AuditAction.REFERRAL)
def refer_to_an_agency_with_an_override(w):
    data = {
        "case": w.case.pk,
        "kind": "collaboration",
        "to_agency": w.agency.pk,
        "reason": "連携のお願い",
        "override_reason": "本人と連絡が取れないため",
    }
    expect(w.web(w.coordinator).post(reverse("referrals:referral_new") + f"?case={w.case.pk}", data))
    return w.coordinator


@path(AuditAction.PERMISSION_GRANT)
def add_staff_to_a_group(w):
    # However a group changes (admin, create_staff, a service), the m2m signal audits it; it knows no actor.
    w.caseworker.groups.add(Group.objects.get_or_create(name="agency:houkatsu-n")[0])
    return None


@path(AuditAction.PERMISSION_REVOKE)
def end_an_override_share(w):
    grant = services.case_share_override(
        case=w.case, shared_by=w.coordinator, agency=w.agency, reason="安否確認のため"
    )
    expect(w.web(w.coordinator).post(w.url("share_override_end", grant.pk)))
    return w.coordinator


@path(AuditAction.BREAK_GLASS)
def break_the_glass(w):
    data = {"number": w.case.number, "reason": "緊急の安否確認"}
    expect(w.web(w.manager).post(reverse("casework:break_glass"), data))
    return w.manager


@path(AuditAction.BREAK_GLASS)
def break_the_glass_through_the_api(w):
    response = w.api(w.manager).post(f"/api/v1/cases/{w.case.pk}/break-glass/", {"reason": "緊急の安否確認"})
    expect(response, 201)
    return w.manager


@path(AuditAction.LOGIN)
def sign_in(w):
    expect(Client().post("/login/", {"username": "cw_north", "password": PASSWORD}))
    return w.caseworker


@path(AuditAction.LOGOUT)
def sign_out(w):
    client = Client()
    client.force_login(w.caseworker)
    expect(client.post("/logout/"))
    return w.caseworker


@path(AuditAction.LOGIN_FAILED)
def sign_in_with_a_wrong_password(w):
    expect(Client().post("/login/", {"username": "cw_north", "password": "wrong-password"}), 200)
    return None


@path(AuditAction.LOGIN_FAILED)
def give_a_wrong_totp_code_after_the_right_password(w):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=w.coordinator, name="phone", confirmed=True)
    client = Client()
    client.force_login(w.coordinator)  # the password step passed, the second factor not yet
    expect(client.post("/account/2fa/", {"otp": "000000"}), 400)
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, changes__step="totp", changes__username="co_north"
    ).exists()
    return None


@path(AuditAction.STAFF_DEACTIVATE)
def deactivate_staff_in_the_admin(w):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin", password=PASSWORD)
    user = w.caseworker
    membership = user.memberships.get()
    data = {
        "username": user.username,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(membership.pk),
        "memberships-0-user": str(user.pk),
        "memberships-0-role": membership.role,
        "memberships-0-area": str(membership.area_id),
    }  # is_active left out: unticked
    expect(w.web(admin).post(reverse("admin:network_user_change", args=[user.pk]), data))
    return None  # the post_save signal that ends the account's access does not know who saved it


@path(AuditAction.REFERRAL)
def request_a_referral(w):
    data = {"case": w.case.pk, "kind": "collaboration", "to_area": w.south.pk, "reason": "通院同行の協力"}
    expect(w.web(w.caseworker).post(reverse("referrals:referral_new") + f"?case={w.case.pk}", data))
    return w.caseworker


@path(AuditAction.REPORT_EXPORT)
def export_the_report(w):
    indicator_master_data_seed()
    response = w.web(w.manager).get("/reports/export/", {"fiscal_year": 2024, "format": "csv"})
    expect(response, 200)
    return w.manager


@path(AuditAction.REPORT_EXPORT)
def export_the_report_from_the_command_line(w):
    import tempfile

    from django.core.management import call_command

    indicator_master_data_seed()
    with tempfile.TemporaryDirectory() as directory:
        call_command("indicator_report", "--fiscal-year", "2024", "--output", f"{directory}/r.csv")
    return None


@path(AuditAction.REPORT_PRINT)
def print_the_report(w):
    indicator_master_data_seed()
    expect(w.web(w.manager).get("/reports/print/", {"fiscal_year": 2024}), 200)
    return w.manager


@path(AuditAction.REPORT)
def finalise_a_month(w):
    indicator_master_data_seed()
    expect(w.web(w.manager).post("/reports/finalise/", {"month": "2024-05", "confirm": "1"}))
    return w.manager


@path(AuditAction.REPORT)
def grade_the_action_plan(w):
    from reports.models import ActionPlanItem

    item = ActionPlanItem.objects.create(code="ap-audit", title="居場所づくり")
    expect(w.web(w.manager).post("/reports/action-plan/edit/", {"fiscal_year": 2024, f"item-{item.pk}": "◎"}))
    return w.manager


@path(AuditAction.REPORT)
def record_a_network_meeting(w):
    expect(w.web(w.manager).post("/reports/meetings/new/", {"held_on": "2024-06-01", "theme": "合同研修"}))
    return w.manager


@path(AuditAction.LEDGER_IMPORT)
def import_a_ledger_with_the_command(w):
    import tempfile
    from pathlib import Path

    from django.core.management import call_command

    from tests.casework.imports.ledgers import case_row, workbook

    with tempfile.TemporaryDirectory() as folder:
        ledger = workbook(Path(folder) / "ledger.xlsx", cases=[case_row("1")])
        call_command("import_ledger", str(ledger), "--area", w.north.code, "--user", w.manager.username)
    return w.manager


@path(AuditAction.LEDGER_IMPORT)
def import_a_ledger_on_the_managers_page(w):
    ledger = "No.,受付日,氏名,フリガナ,主訴\n2,R4.5.1,架空 三郎,カクウ サブロウ,dv\n".encode()
    web = w.web(w.manager)
    upload = {"area": w.north.pk, "file": SimpleUploadedFile("ledger.csv", ledger)}
    expect(web.post(reverse("casework:ledger_import"), upload))
    record = LedgerImport.objects.filter(uploaded_by=w.manager).latest("id")
    expect(web.post(reverse("casework:ledger_import_confirm", args=[record.pk])))
    return w.manager


# --- the tests ---------------------------------------------------------------------------------------------


def _cases():
    for action in AuditAction:
        performers = PATHS.get(action.value) or [None]
        for perform in performers:
            name = perform.__name__ if perform else "missing"
            yield pytest.param(action.value, perform, id=f"{action.value}-{name}")


@pytest.fixture
def world(db):
    return World()


def test_every_path_is_for_a_known_action():
    assert set(PATHS) <= set(AuditAction.values)


@pytest.mark.parametrize(("action", "perform"), list(_cases()))
def test_the_path_writes_its_action(world, action, perform):
    assert perform is not None, f"no path writes {action}: add one to PATHS"
    before = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0

    actor = perform(world)

    written = AuditEvent.objects.filter(id__gt=before, action=action)
    assert written.exists(), f"{perform.__name__} did not write {action}"
    if actor is not None:
        assert written.filter(actor=actor).exists(), f"{perform.__name__} wrote {action} without its actor"
