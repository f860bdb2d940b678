"""A synthetic value of its own in every encrypted column of every model, planted through the services.

The columns come from the registry the key rotation uses (casework.rotation.encrypted_columns()), so a
test comparing `Planted.columns()` with it fails as soon as a new encrypted field exists that nothing here
fills: plant it below (through the service that writes it) and the rotation and plaintext-at-rest tests
cover it.

Every text value is `架空-<field>-<token>`; the token is ASCII hex, unique per value, so a copy of the
value stays findable however it is stored (a JSON column escapes the Japanese part, not the token).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models

from casework import encryption, meeting_services, rotation
from casework import services as casework_services
from casework.imports.uploads import ledger_upload
from casework.models import (
    Activity,
    ActivityRevision,
    Assessment,
    AuditEvent,
    Case,
    CaseAccessGrant,
    CaseStatusChange,
    ConsentDocument,
    DiscussedCase,
    EcomapResource,
    HouseholdMember,
    LedgerImport,
    PlanEvaluation,
    PlanGoal,
    PlanGoalEvaluation,
    PlanRole,
    SupportPlan,
)
from network.models import Role
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from referrals import services as referral_services
from referrals.models import Referral, ReferralTransition
from tests import factories


@dataclass
class Planted:
    """column label ("app.Model.field") → the plaintexts planted there, as the field stores them."""

    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    tokens: dict[str, str] = field(default_factory=dict)  # plaintext → its unique ASCII token
    case: object = None

    def text(self, model: type[models.Model], name: str) -> str:
        """A new synthetic value for model.name, short enough for the field, recorded as planted there."""
        token = uuid.uuid4().hex[:16]
        value = f"架空-{name}-{token}"
        max_length = model._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            value = f"架空-{token}"
        self.tokens[value] = token
        return self.also(model, name, value)

    def date(self, model: type[models.Model], name: str) -> datetime.date:
        """A birth date nobody else in the test data has (decades before any other date)."""
        day = datetime.date(1900, 1, 1) + datetime.timedelta(days=uuid.uuid4().int % 7300)
        self.tokens[day.isoformat()] = day.isoformat()
        self.also(model, name, day.isoformat())
        return day

    def also(self, model: type[models.Model], name: str, value: str) -> str:
        """The product copies `value` into model.name too (e.g. a reason into the audit row)."""
        self.values[f"{model._meta.label}.{name}"].append(value)
        return value

    def columns(self) -> set[str]:
        return set(self.values)


def registry() -> dict[str, rotation.EncryptedColumn]:
    return {column.label: column for column in rotation.encrypted_columns()}


def raw_values(column: rotation.EncryptedColumn) -> list[str]:
    """The column's stored (encrypted) non-empty values, straight from the database."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn(column.column)} FROM {qn(column.table)} "
            f"WHERE {qn(column.column)} IS NOT NULL AND {qn(column.column)} <> ''"
        )
        return [row[0] for row in cursor.fetchall()]


def decrypted_raw_values(column: rotation.EncryptedColumn) -> list[str]:
    return [encryption.decrypt(value, context=column.context) for value in raw_values(column)]


def orm_values() -> dict[str, list[tuple]]:
    """Every registered column read back through the ORM (decrypted), by label."""
    read = {}
    for label in registry():
        model_label, name = label.rsplit(".", 1)
        model = apps.get_model(model_label)
        read[label] = sorted(model._base_manager.values_list("pk", name))
    return read


def _staff(username: str, role: str, **team):
    user = factories.make_staff(username, role=role, **team)
    staff_groups_sync(user=user)
    return user


def plant_every_encrypted_field() -> Planted:
    """Open a case and walk it through every use case that writes an encrypted field."""
    role_permissions_sync()
    north, south = factories.make_area(), factories.make_area()
    partner, overridden, referred = factories.make_agency(), factories.make_agency(), factories.make_agency()
    caseworker = _staff("plant_cw", Role.CASEWORKER, area=north)
    coordinator = _staff("plant_co", Role.COORDINATOR, area=north)
    south_coordinator = _staff("plant_co_south", Role.COORDINATOR, area=south)
    agency_user = _staff("plant_agency", Role.AGENCY, agency=referred)
    manager = _staff("plant_mgr", Role.MANAGER)
    p = Planted()

    case = factories.make_case(
        by=caseworker,
        area=north,
        name=p.text(Case, "household_name"),
        kana=p.text(Case, "household_name_kana"),
        address=p.text(Case, "address"),
        phone=p.text(Case, "phone"),
        wishes=p.text(Case, "wishes"),
        consultation_summary=p.text(Case, "consultation_summary"),
    )
    p.case = case
    casework_services.member_add(
        case=case,
        added_by=caseworker,
        name=p.text(HouseholdMember, "name"),
        name_kana=p.text(HouseholdMember, "name_kana"),
        birth_date=p.date(HouseholdMember, "birth_date"),
        phone=p.text(HouseholdMember, "phone"),
        relationship="self",
    )
    # A community resource on the ecomap, named after the person it is (a 民生委員).
    casework_services.ecomap_resource_add(
        case=case, added_by=caseworker, name=p.text(EcomapResource, "name"), kind="minsei"
    )
    plan = casework_services.plan_create(
        case=case,
        created_by=caseworker,
        wishes=p.text(SupportPlan, "wishes"),
        long_term_goal=p.text(SupportPlan, "long_term_goal"),
        goals=[
            casework_services.PlanGoalDraft(
                text=p.text(PlanGoal, "text"),
                actions=[
                    casework_services.PlanAction(
                        support=p.text(PlanRole, "support"), agency=partner, frequency="週1回"
                    ),
                    casework_services.PlanAction(support=p.text(PlanRole, "support"), who="person"),
                ],
            )
        ],
        agreed_on=datetime.date.today(),
        agreement_method="proxy",
        agreement_note=p.text(SupportPlan, "agreement_note"),
    )
    casework_services.plan_evaluate(
        plan=plan,
        evaluated_by=caseworker,
        results=[
            casework_services.GoalAssessment(
                goal_id=plan.goals.get().pk, result="partly", comment=p.text(PlanGoalEvaluation, "comment")
            )
        ],
        decision="continue",
        next_review_on=datetime.date.today() + datetime.timedelta(days=60),
        comment=p.text(PlanEvaluation, "comment"),
    )
    narratives = [name for name in Assessment.content_fields() if not name.endswith("_status")]
    first = casework_services.assessment_record(
        case=case, recorded_by=caseworker, **{name: p.text(Assessment, name) for name in narratives}
    )
    # A re-assessment copies every narrative it does not change into its own row.
    casework_services.assessment_record(case=case, recorded_by=caseworker, health_status="watch")
    for name in narratives:
        p.also(Assessment, name, getattr(first, name))
    first_note = p.text(ActivityRevision, "note")  # the edit below keeps this first version as a revision
    activity = factories.log_activity(case, by=caseworker, agencies=[partner], note=first_note)
    casework_services.activity_edit(activity=activity, edited_by=caseworker, note=p.text(Activity, "note"))

    # Reasons: a grant's reason is copied into its audit row's reason.
    reason = p.text(CaseAccessGrant, "reason")
    casework_services.case_break_glass(
        case=case, opened_by=manager, reason=p.also(AuditEvent, "reason", reason)
    )
    reason = p.text(CaseAccessGrant, "reason")
    casework_services.case_share_override(
        case=case, shared_by=coordinator, agency=overridden, reason=p.also(AuditEvent, "reason", reason)
    )

    collaboration = referral_services.referral_request(
        case=case,
        requested_by=caseworker,
        kind="collaboration",
        to_area=south,
        reason=p.text(Referral, "reason"),
    )
    referral_services.referral_accept(
        referral=collaboration,
        accepted_by=south_coordinator,
        note=p.text(ReferralTransition, "note"),
    )
    referral_services.referral_complete(
        referral=collaboration, completed_by=caseworker, outcome=p.text(Referral, "outcome")
    )
    override_reason = p.text(Referral, "override_reason")
    to_agency = referral_services.referral_request(
        case=case,
        requested_by=coordinator,
        kind="collaboration",
        to_agency=referred,
        reason=p.text(Referral, "reason"),
        override_reason=p.also(AuditEvent, "reason", override_reason),
    )
    referral_services.referral_decline(
        referral=to_agency, declined_by=agency_user, reason=p.text(Referral, "decline_reason")
    )

    # The scanned consent form's original name (people name scans after the person).
    consent = casework_services.consent_give(
        case=case, given_by=caseworker, agencies=[partner], given_on=datetime.date.today()
    )
    token = uuid.uuid4().hex[:16]
    scan_name = p.also(ConsentDocument, "filename", f"架空-{token}.pdf")
    p.tokens[scan_name] = token
    casework_services.consent_document_attach(
        consent=consent,
        uploaded_by=caseworker,
        upload=SimpleUploadedFile(scan_name, b"%PDF-1.4\n%planted\n%%EOF\n"),
    )

    # A support meeting record: what was decided for the case and who does what.
    meeting_services.meeting_record(
        recorded_by=caseworker,
        kind="support",
        area=north,
        held_on=datetime.date.today(),
        agencies=[partner],
        discussions=[
            meeting_services.Discussion(
                case=case,
                decisions=p.text(DiscussedCase, "decisions"),
                roles=p.text(DiscussedCase, "roles"),
            )
        ],
        confidentiality_acknowledged=True,
    )

    # Free text that is not a "personal field" by name, but that people write names into.
    mistaken = factories.log_activity(case, by=caseworker, note=p.text(Activity, "note"))
    void_reason = p.text(Activity, "void_reason")
    casework_services.activity_void(
        activity=mistaken, voided_by=caseworker, reason=p.also(AuditEvent, "reason", void_reason)
    )
    # A ledger uploaded on the import page: its file name, and the preview of its rows (names in it).
    token = uuid.uuid4().hex[:16]
    ledger_name = p.also(LedgerImport, "filename", f"架空-{token}.csv")
    p.tokens[ledger_name] = token
    ledger_person = f"架空-{uuid.uuid4().hex[:16]}"
    ledger = ledger_upload(
        upload=SimpleUploadedFile(
            ledger_name, f"No.,受付日,氏名,フリガナ,主訴\n1,R4.5.1,{ledger_person},カクウ,dv\n".encode()
        ),
        area=north,
        uploaded_by=manager,
    )
    p.tokens[ledger.preview] = ledger_person.removeprefix("架空-")
    p.also(LedgerImport, "preview", ledger.preview)

    closed = casework_services.case_close(
        case=case, closed_by=coordinator, reason="other", note=p.text(CaseStatusChange, "note")
    )
    casework_services.case_reopen(case=closed, reopened_by=coordinator, note=p.text(CaseStatusChange, "note"))
    return p
