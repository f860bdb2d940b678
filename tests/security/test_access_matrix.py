"""The access matrix: every URL pattern of the project × every role × {own, other area's, shared,
unshared} case. A route that names an object the user may not see answers exactly as for an object that
does not exist (404), and no personal field of an invisible case appears in any response body.

A new route whose parameters this file cannot fill makes the test fail until it is covered here.
"""

import datetime
import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from casework import services
from network.groups import agency_group
from network.middleware import SESSION_STARTED
from tests import factories

# Routes that name no object of a case; they are still requested and checked for leaks.
NO_OBJECT_ROUTES = {
    "",
    "login/",
    "logout/",
    "account/2fa/",
    "i18n/setlang/",
    "api/v1/auth/token/",
    "api/v1/schema/",
    "api/v1/docs/",
}
SKIPPED_PREFIXES = ("admin/",)  # Django admin: superusers only, holds no personal data (tested apart)
MISSING_ID = 987654321
ROLES = ["caseworker", "coordinator", "agency", "manager", "auditor"]


def url_patterns(patterns=None, prefix=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from url_patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def fill(route: str, objects: dict) -> str:
    """Turn `cases/<int:case_id>/activities/<int:activity_id>/void/` into a path for one target case."""
    path = route
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        name = path[start + 1 : end].split(":")[-1]
        if name not in objects:
            pytest.fail(f"route {route!r}: no object for parameter {name!r}; add it to the access matrix")
        path = path[:start] + str(objects[name]) + path[end + 1 :]
    return "/" + path


class World:
    def __init__(self):
        self.area = factories.make_area("north", "北部エリア")
        self.other_area = factories.make_area("south", "南部エリア")
        self.agency = factories.make_agency("houkatsu-s", area=self.other_area)
        self.caseworker = factories.make_staff("cw", area=self.area)
        self.other_cw = factories.make_staff("cw_other", area=self.other_area)
        self.coordinator = factories.make_staff("coord", role="coordinator", area=self.area)
        self.agency_user = factories.make_staff("agency", role="agency", agency=self.agency)
        self.agency_user.groups.add(agency_group(self.agency))
        self.manager = factories.make_staff("manager", role="manager")
        self.auditor = factories.make_staff("auditor", role="auditor")
        self.users = {
            "caseworker": self.caseworker,
            "coordinator": self.coordinator,
            "agency": self.agency_user,
            "manager": self.manager,
            "auditor": self.auditor,
        }
        self.cases = {
            "own": self._case(self.caseworker, self.area, "自エリア"),
            "other": self._case(self.other_cw, self.other_area, "他エリア"),
            "shared": self._case(self.other_cw, self.other_area, "共有"),
            "unshared": self._case(self.other_cw, self.other_area, "非共有"),
        }
        services.consent_give(
            case=self.cases["shared"],
            given_by=self.other_cw,
            agencies=[self.agency],
            given_on=datetime.date.today(),
            scope="full",  # the case level; what a summary scope hides is tests/security/test_scope_matrix.py
        )

    def _case(self, user, area, label):
        case = factories.make_case(
            by=user, area=area, name=f"秘匿{label}世帯", kana=f"ヒトク{label}", phone="099-0000-1111"
        )
        activity = factories.log_activity(
            case, by=user, agencies=[self.agency] if label == "共有" else [], note=f"秘匿{label}メモ"
        )
        consent = services.consent_give(
            case=case, given_by=user, agencies=[factories.make_agency()], given_on=datetime.date.today()
        )
        # The scanned form, so the document route (download, upload, delete) has something to guard.
        services.consent_document_attach(
            consent=consent,
            uploaded_by=user,
            upload=SimpleUploadedFile(f"秘匿{label}同意書.pdf", f"%PDF-1.4\n秘匿{label}同意\n".encode()),
        )
        member = services.member_add(
            case=case,
            added_by=user,
            name=f"秘匿{label}花子",
            name_kana=f"ヒトク{label}ハナコ",
            relationship="self",
        )
        # A community resource on the ecomap, named after a person (its name is personal data).
        resource = services.ecomap_resource_add(
            case=case, added_by=user, name=f"秘匿{label}民生委員", kind="minsei"
        )
        assessment = services.assessment_record(
            case=case, recorded_by=user, health_status="issue", life_history=f"秘匿{label}生活歴"
        )
        # A plan sheet with an evaluation: goal texts, the agreement note and comments are personal data.
        plan = services.plan_create(
            case=case,
            created_by=user,
            goals=[
                services.PlanGoalDraft(
                    text=f"秘匿{label}短期目標",
                    actions=[services.PlanAction(support=f"秘匿{label}本人の取組", who="person")],
                )
            ],
            agreed_on=datetime.date.today(),
            agreement_method="verbal",
            agreement_note=f"秘匿{label}同意メモ",
        )
        services.plan_evaluate(
            plan=plan,
            evaluated_by=user,
            results=[
                services.GoalAssessment(
                    goal_id=plan.goals.get().pk, result="partly", comment=f"秘匿{label}目標所見"
                )
            ],
            decision="revise",
            comment=f"秘匿{label}評価所見",
        )
        case.objects = {
            "case_id": case.pk,
            "assessment_id": assessment.pk,
            "activity_id": activity.pk,
            "consent_id": consent.pk,
            "registration_id": _registration(case, user).pk,
            "grant_id": case.access_grants.get(basis="consent", source_id=consent.pk).pk,
            "referral_id": self._referral(case, user, label).pk,
            "member_id": member.pk,
            "resource_id": resource.pk,
            "meeting_id": self._meeting(case, user, label).pk,
            "plan_id": plan.pk,
            # Not an object of the case: an upload only its uploader sees (404 for every actor here).
            "import_id": self._ledger_import(area, label).pk,
        }
        case.secrets = [
            f"秘匿{label}世帯",
            f"ヒトク{label}",
            f"秘匿{label}メモ",
            f"秘匿{label}花子",
            f"秘匿{label}同意",
            f"秘匿{label}民生委員",
            f"秘匿{label}生活歴",
            f"秘匿{label}会議決定",
            f"秘匿{label}台帳",
            f"秘匿{label}短期目標",
            f"秘匿{label}本人の取組",
            f"秘匿{label}同意メモ",
            f"秘匿{label}目標所見",
            f"秘匿{label}評価所見",
        ]
        return case

    def _meeting(self, case, user, label):
        """A meeting record discussing the case, held by its area team. The shared case's meeting is a
        重層的支援会議 the agency took part in (it sees the case through the consent); the others' are
        支援会議 with an agency of their own, so nobody else in the matrix takes part."""
        from casework import meeting_services

        shared = label == "共有"
        return meeting_services.meeting_record(
            recorded_by=user,
            kind="multi_agency" if shared else "support",
            area=case.area,
            held_on=datetime.date.today(),
            agencies=[self.agency if shared else factories.make_agency()],
            discussions=[
                meeting_services.Discussion(case=case, decisions=f"秘匿{label}会議決定", roles="役割分担")
            ],
            confidentiality_acknowledged=True,
        )

    def _ledger_import(self, area, label):
        """A ledger another manager uploaded: nobody in the matrix (the manager included) may see it."""
        from casework.imports.uploads import ledger_upload

        uploader = factories.make_staff(f"importer_{area.code}_{len(label)}{label}", role="manager")
        ledger = f"No.,受付日,氏名,フリガナ,主訴\n1,R4.5.1,秘匿{label}台帳,ヒトク,dv\n".encode()
        return ledger_upload(upload=SimpleUploadedFile("ledger.csv", ledger), area=area, uploaded_by=uploader)

    def _referral(self, case, user, label):
        """Own case: north → south (its senders see it); shared case: to the agency (which decides it);
        other cases: south → a third area nobody in the matrix belongs to."""
        from referrals import services as referral_services

        request = referral_services.referral_request
        if label == "自エリア":
            return request(
                case=case,
                requested_by=user,
                kind="collaboration",
                to_area=self.other_area,
                reason="連携のお願い",
            )
        if label == "共有":
            services.consent_give(
                case=case, given_by=user, agencies=[self.agency], given_on=datetime.date.today(), scope="full"
            )
            return request(
                case=case,
                requested_by=user,
                kind="collaboration",
                to_agency=self.agency,
                reason="連携のお願い",
            )
        return request(
            case=case,
            requested_by=user,
            kind="transfer",
            to_area=factories.make_area("east", "東部エリア"),
            reason="移管のお願い",
        )

    def visible(self, role, key):
        return (role in ("caseworker", "coordinator") and key == "own") or (
            role == "agency" and key == "shared"
        )


def _registration(case, user):
    return services.support_meeting_register(
        case=case,
        registered_by=user,
        agencies=[factories.make_agency()],
        registered_on=datetime.date.today(),
        confidentiality_acknowledged=True,
    )


def _bodies(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


# --- the actors: every way in ------------------------------------------------------------------------
#
# An actor is a way of knocking: a web session before or after the TOTP step, an expired session, an API
# token (valid, or left over from before its user had to enrol), or nobody at all. "verified" actors see
# what their role may see; "refused" actors must reach no page or API route but the public ones.

VERIFIED, REFUSED = "verified", "refused"
TWO_FACTOR_PAGE, LOGIN_PAGE = "/account/2fa/", "/login/"
# Routes anyone may reach, logged in or not; they are still walked and checked for leaks.
PUBLIC_ROUTES = {
    "",  # a plain redirect to the case list, which is then checked
    "healthz",
    "readyz",
    "login/",
    "logout/",
    "account/2fa/",
    "i18n/setlang/",
    "api/v1/auth/token/",
    "api/v1/schema/",
    "api/v1/docs/",
}


@dataclass(frozen=True)
class Actor:
    role: str | None  # whose visibility a verified actor has
    way: str  # "session", "token" or "none"
    grants: str  # VERIFIED or REFUSED
    refused_to: str = LOGIN_PAGE  # where a refused actor's page requests are sent


def _password_only(user, *, enrolled: bool) -> Client:
    """The web login's first step only: the password was right, the TOTP code was never given."""
    if enrolled:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client = Client()
    client.force_login(user)
    return client


def _expired_absolute(user) -> Client:
    client = factories.verified_client(user)
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 60
    session.save()
    return client


def _expired_idle(user) -> Client:
    client = factories.verified_client(user)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    return client


def _token(user, *, enrolled: bool, keyword: str = "Token") -> Client:
    if enrolled:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    token = Token.objects.create(user=user)
    return Client(headers={"Authorization": f"{keyword} {token.key}"})


def _staff(world, role, suffix):
    area = world.area if role in ("caseworker", "coordinator") else None
    agency = world.agency if role == "agency" else None
    user = factories.make_staff(f"{role}_{suffix}", role=role, area=area, agency=agency)
    if agency is not None:
        user.groups.add(agency_group(agency))
    return user


ACTORS = {
    # After the TOTP step (where one is required): the role's own view of the world.
    **{f"session:{r}": Actor(r, "session", VERIFIED) for r in ROLES},
    # Tokens: the role's view through the API; pages ignore tokens (they are anonymous there).
    **{f"token:{r}": Actor(r, "token", VERIFIED) for r in ROLES},
    # The password alone: pages send them to the TOTP step, the API answers 401/403.
    **{
        f"password-only:{r}:{state}": Actor(None, "session", REFUSED, TWO_FACTOR_PAGE)
        for r in ("coordinator", "manager", "auditor")
        for state in ("enrolled", "unenrolled")
    },
    "password-only:caseworker:enrolled": Actor(None, "session", REFUSED, TWO_FACTOR_PAGE),
    # A token a TOTP role held before it had to enrol (or before it was given the role).
    **{f"token-unenrolled:{r}": Actor(None, "token", REFUSED) for r in ("coordinator", "manager", "auditor")},
    # The same tokens sent as "Bearer": the same rules.
    "bearer:coordinator": Actor("coordinator", "token", VERIFIED),
    "bearer-unenrolled:coordinator": Actor(None, "token", REFUSED),
    "expired-absolute:coordinator": Actor(None, "session", REFUSED),
    "expired-idle:caseworker": Actor(None, "session", REFUSED),
    "anonymous": Actor(None, "none", REFUSED),
}


def _client_for(world, name: str) -> Client:
    kind, _, rest = name.partition(":")
    role, _, state = rest.partition(":")
    if kind == "session":
        return factories.verified_client(world.users[role])
    if kind == "token":
        return _token(world.users[role], enrolled=role in settings.TWO_FACTOR_ROLES)
    if kind == "password-only":
        return _password_only(_staff(world, role, f"pw_{state}"), enrolled=state == "enrolled")
    if kind == "token-unenrolled":
        return _token(_staff(world, role, "legacy_token"), enrolled=False)
    if kind == "bearer":
        return _token(world.users[role], enrolled=True, keyword="Bearer")
    if kind == "bearer-unenrolled":
        return _token(_staff(world, role, "legacy_bearer"), enrolled=False, keyword="Bearer")
    if kind == "expired-absolute":
        return _expired_absolute(_staff(world, role, "expired_abs"))
    if kind == "expired-idle":
        return _expired_idle(_staff(world, role, "expired_idle"))
    return Client()


@pytest.fixture
def world(db):
    return World()


def walked_routes() -> list[str]:
    """Every route but the admin's; logout last, since it ends the session the others ride on."""
    routes = [route for route, _pattern in url_patterns() if not route.startswith(SKIPPED_PREFIXES)]
    return sorted(routes, key=lambda route: route == "logout/")


def _check_refused(actor, route, path, response, body, secrets):
    where = (route, path, response.status_code)
    assert not [s for s in secrets if s in body], where
    if route in PUBLIC_ROUTES:
        return
    if route.startswith("api/"):
        assert response.status_code in (401, 403), where
    else:
        assert response.status_code == 302, where
        assert response["Location"].startswith(actor.refused_to), where


@pytest.mark.parametrize("name", list(ACTORS))
def test_every_route_for_every_way_in(world, name):
    actor = ACTORS[name]
    client = _client_for(world, name)
    every_secret = [s for case in world.cases.values() for s in case.secrets]
    invisible_secrets = [
        s for key, case in world.cases.items() if not world.visible(actor.role, key) for s in case.secrets
    ]
    routes = walked_routes()
    checked = 0
    for route in routes:
        # A token opens only the API; on a page its bearer is nobody.
        refused = actor.grants == REFUSED or (actor.way == "token" and not route.startswith("api/"))
        targets = {key: case.objects for key, case in world.cases.items()} if "<" in route else {"-": {}}
        for key, objects in targets.items():
            path = fill(route, objects)
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                body = _bodies(response)
                assert response.status_code < 500, (method, path, name)
                if refused:
                    _check_refused(actor, route, path, response, body, every_secret)
                    continue
                assert not [s for s in invisible_secrets if s in body], (method, path, name, key)
                if key == "-" or route in PUBLIC_ROUTES:
                    continue
                if world.visible(actor.role, key) and "<int:import_id>" not in route:
                    assert response.status_code != 404, (method, path, name, key)
                else:
                    missing = {param: MISSING_ID for param in objects}
                    nonexistent = getattr(client, method)(fill(route, missing))
                    assert response.status_code == nonexistent.status_code, (method, path, name, key)
                    assert response.status_code in (404, 405), (method, path, name, key)
        checked += 1
    assert checked == len(routes)


def test_the_matrix_fails_a_route_it_cannot_fill():
    with pytest.raises(pytest.fail.Exception, match="no object for parameter 'widget_id'"):
        fill("cases/<int:case_id>/widgets/<int:widget_id>/", {"case_id": 1})


def test_admin_is_closed_to_staff_without_admin_rights(world, client):
    client.force_login(world.caseworker)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
