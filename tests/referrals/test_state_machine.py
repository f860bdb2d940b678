"""referrals.services: every legal transition, every illegal one, and who may make them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import services as casework_services
from casework.models import AuditEvent
from casework.services import StateConflict
from referrals import services
from referrals.business_days import add_business_days
from referrals.models import OutboxMessage, Referral, ReferralTransition
from tests import factories

REQ, ACC, DEC, WDR, EXP, CMP = "requested", "accepted", "declined", "withdrawn", "expired", "completed"


def make_expirable(referral):
    Referral.objects.filter(pk=referral.pk).update(
        due_by=datetime.date(2025, 1, 6), escalated_at=timezone.now()
    )


def bring_to(state, referral, *, sender, decider):
    if state == ACC:
        services.referral_accept(referral=referral, accepted_by=decider)
    elif state == DEC:
        services.referral_decline(referral=referral, declined_by=decider, reason="空きがありません")
    elif state == WDR:
        services.referral_withdraw(referral=referral, withdrawn_by=sender)
    elif state == EXP:
        make_expirable(referral)
        services.referral_expire(referral=referral)
    elif state == CMP:
        services.referral_accept(referral=referral, accepted_by=decider)
        services.referral_complete(referral=referral, completed_by=decider, outcome="支援につながった")
    referral.refresh_from_db()
    assert referral.status == state


ACTIONS = {
    "accept": lambda r, s, d: services.referral_accept(referral=r, accepted_by=d),
    "decline": lambda r, s, d: services.referral_decline(referral=r, declined_by=d, reason="理由"),
    "withdraw": lambda r, s, d: services.referral_withdraw(referral=r, withdrawn_by=s),
    "complete": lambda r, s, d: services.referral_complete(referral=r, completed_by=d, outcome="結果"),
    "expire": lambda r, s, d: (make_expirable(r), services.referral_expire(referral=r))[1],
}
LEGAL = {
    (REQ, "accept"): ACC,
    (REQ, "decline"): DEC,
    (REQ, "withdraw"): WDR,
    (REQ, "expire"): EXP,
    (ACC, "complete"): CMP,
}


# --- request -----------------------------------------------------------------------------------------


def test_request_is_due_in_three_business_days_and_recorded(referral, caseworker, south_coordinator):
    assert referral.status == REQ
    assert referral.due_by == add_business_days(timezone.localdate(), 3)
    assert referral.from_area == referral.case.area
    [transition] = referral.transitions.all()
    assert (transition.from_status, transition.to_status, transition.by) == ("", REQ, caseworker)
    assert AuditEvent.objects.filter(
        action="referral", object_id=str(referral.pk), case=referral.case
    ).exists()
    outbox = OutboxMessage.objects.get(recipient=south_coordinator, channel="in_app")
    assert referral.case.number in outbox.payload["message"]
    assert "架空" not in outbox.payload["message"]  # the case by number only


def test_the_reason_is_encrypted_at_rest(referral):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM referrals_referral WHERE id = %s", [referral.pk])
        stored = cursor.fetchone()[0]
    assert "通院" not in stored


def test_only_the_case_team_can_refer(case, other_caseworker, other_area, area):
    with pytest.raises(PermissionDenied):
        services.referral_request(
            case=case, requested_by=other_caseworker, kind="collaboration", to_area=other_area, reason="x"
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "collaboration", "to_area": "own"}, "to_area"),
        ({"kind": "collaboration"}, "to_area"),
        ({"kind": "collaboration", "to_area": "other", "to_agency": "agency"}, "to_area"),
        ({"kind": "transfer", "to_agency": "agency"}, "to_area"),
        ({"kind": "collaboration", "to_area": "other", "reason": "  "}, "reason"),
        ({"kind": "adoption", "to_area": "other"}, "kind"),
    ],
)
def test_invalid_requests(case, caseworker, area, other_area, agency, kwargs, field):
    objects = {"own": area, "other": other_area, "agency": agency}
    params = {"reason": "理由", **{k: objects.get(v, v) if k != "reason" else v for k, v in kwargs.items()}}
    with pytest.raises(ValidationError) as exc:
        services.referral_request(case=case, requested_by=caseworker, **params)
    assert field in exc.value.message_dict


def test_an_agency_needs_a_sharing_basis(case, caseworker, agency):
    with pytest.raises(ValidationError) as exc:
        services.referral_request(
            case=case, requested_by=caseworker, kind="collaboration", to_agency=agency, reason="理由"
        )
    assert "to_agency" in exc.value.message_dict


def test_consent_or_meeting_is_a_basis(case, caseworker, agency):
    casework_services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    referral = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_agency=agency, reason="理由"
    )
    assert referral.sharing_basis == "consent"
    other = factories.make_agency("jiritsu")
    casework_services.support_meeting_register(
        case=case,
        registered_by=caseworker,
        agencies=[other],
        registered_on=timezone.localdate(),
        confidentiality_acknowledged=True,
    )
    referral = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_agency=other, reason="理由"
    )
    assert referral.sharing_basis == "support_meeting"


def test_override_needs_the_permission_and_a_reason(case, north_coordinator, agency):
    with pytest.raises(ValidationError) as exc:
        services.referral_request(
            case=case, requested_by=north_coordinator, kind="collaboration", to_agency=agency, reason="理由"
        )
    assert "override_reason" in exc.value.message_dict
    referral = services.referral_request(
        case=case,
        requested_by=north_coordinator,
        kind="collaboration",
        to_agency=agency,
        reason="理由",
        override_reason="緊急の安否確認",
    )
    assert referral.sharing_basis == "override"
    assert AuditEvent.objects.filter(action="share.override", case=case).exists()


def test_no_two_open_referrals_to_the_same_destination(
    referral, case, caseworker, other_area, south_coordinator
):
    with pytest.raises(StateConflict):
        services.referral_request(
            case=case, requested_by=caseworker, kind="transfer", to_area=other_area, reason="理由"
        )
    services.referral_decline(referral=referral, declined_by=south_coordinator, reason="今は無理")
    again = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="再依頼"
    )
    assert again.status == REQ


def test_a_closed_case_cannot_be_referred(case, caseworker, other_area):
    casework_services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    with pytest.raises(StateConflict):
        services.referral_request(
            case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="理由"
        )


# --- transitions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [REQ, ACC, DEC, WDR, EXP, CMP])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_table(referral, caseworker, south_coordinator, state, action):
    bring_to(state, referral, sender=caseworker, decider=south_coordinator)
    before = referral.transitions.count()
    if (state, action) in LEGAL:
        result = ACTIONS[action](referral, caseworker, south_coordinator)
        assert result.status == LEGAL[(state, action)]
        last = referral.transitions.order_by("-id").first()
        assert (last.from_status, last.to_status) == (state, LEGAL[(state, action)])
        assert referral.transitions.count() == before + 1
    else:
        with pytest.raises(StateConflict):
            ACTIONS[action](referral, caseworker, south_coordinator)
        referral.refresh_from_db()
        assert referral.status == state
        assert referral.transitions.count() == before


def test_every_transition_records_who_and_when(referral, caseworker, south_coordinator):
    services.referral_accept(referral=referral, accepted_by=south_coordinator)
    services.referral_complete(referral=referral, completed_by=caseworker, outcome="引継ぎ完了")
    rows = list(ReferralTransition.objects.filter(referral=referral).values_list("to_status", "by__username"))
    assert rows == [(REQ, "cw_north"), (ACC, "co_south"), (CMP, "cw_north")]
    referral.refresh_from_db()
    assert referral.decided_by == south_coordinator and referral.decided_at and referral.completed_at
    assert referral.outcome == "引継ぎ完了"


def test_expiry_waits_for_escalation_and_grace(referral):
    with pytest.raises(StateConflict):
        services.referral_expire(referral=referral)  # not due yet
    Referral.objects.filter(pk=referral.pk).update(due_by=datetime.date(2025, 1, 6))
    with pytest.raises(StateConflict):
        services.referral_expire(referral=referral)  # overdue, but nobody was told yet
    Referral.objects.filter(pk=referral.pk).update(escalated_at=timezone.now())
    with pytest.raises(StateConflict):
        services.referral_expire(referral=referral, today=datetime.date(2025, 1, 10))  # within the grace
    expired = services.referral_expire(referral=referral, today=datetime.date(2025, 1, 20))
    assert expired.status == EXP and expired.expired_at
    assert expired.transitions.last().by is None


# --- who decides ---------------------------------------------------------------------------------------


def test_the_sender_cannot_accept(referral, caseworker, north_coordinator):
    for user in (caseworker, north_coordinator):
        with pytest.raises(PermissionDenied):
            services.referral_accept(referral=referral, accepted_by=user)


def test_a_receiving_caseworker_cannot_accept(referral, other_caseworker):
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, accepted_by=other_caseworker)


def test_the_receiving_side_cannot_withdraw(referral, south_coordinator):
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(referral=referral, withdrawn_by=south_coordinator)


def test_decline_needs_a_reason(referral, south_coordinator):
    with pytest.raises(ValidationError):
        services.referral_decline(referral=referral, declined_by=south_coordinator, reason=" ")
    referral.refresh_from_db()
    assert referral.status == REQ


def test_agency_staff_decide_referrals_to_their_agency(case, caseworker, agency, agency_user):
    casework_services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    referral = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_agency=agency, reason="理由"
    )
    other_agency_user = factories.make_staff("other_agency", role="agency", agency=factories.make_agency())
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, accepted_by=other_agency_user)
    assert services.referral_accept(referral=referral, accepted_by=agency_user).status == ACC
