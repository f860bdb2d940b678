"""The access matrix: every URL pattern of the project × every role × {own, other area's, shared,
unshared} case. A route that names an object the user may not see answers exactly as for an object that
does not exist (404), and no personal field of an invisible case appears in any response body.

A new route whose parameters this file cannot fill makes the test fail until it is covered here.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from casework import services
from network.groups import agency_group
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
        member = services.member_add(
            case=case,
            added_by=user,
            name=f"秘匿{label}花子",
            name_kana=f"ヒトク{label}ハナコ",
            relationship="self",
        )
        case.objects = {
            "case_id": case.pk,
            "activity_id": activity.pk,
            "consent_id": consent.pk,
            "registration_id": _registration(case, user).pk,
            "grant_id": case.access_grants.get(basis="consent", source_id=consent.pk).pk,
            "referral_id": self._referral(case, user, label).pk,
            "member_id": member.pk,
        }
        case.secrets = [f"秘匿{label}世帯", f"ヒトク{label}", f"秘匿{label}メモ", f"秘匿{label}花子"]
        return case

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
                case=case, given_by=user, agencies=[self.agency], given_on=datetime.date.today()
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


def _client_for(client_factory, user):
    return factories.verified_client(user, client_factory())


def _bodies(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.fixture
def world(db):
    return World()


ROLES = ["caseworker", "coordinator", "agency", "manager", "auditor"]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role_and_case(world, role):
    from django.test import Client

    user = {
        "caseworker": world.caseworker,
        "coordinator": world.coordinator,
        "agency": world.agency_user,
        "manager": world.manager,
        "auditor": world.auditor,
    }[role]
    client = _client_for(Client, user)
    invisible_secrets = [
        s for key, case in world.cases.items() if not world.visible(role, key) for s in case.secrets
    ]
    checked = 0
    for route, _pattern in url_patterns():
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if route in NO_OBJECT_ROUTES or "<" not in route:
            if route in ("logout/",):
                continue
            for method in ("get",):
                response = getattr(client, method)("/" + route)
                assert response.status_code < 500, route
                body = _bodies(response)
                assert not [s for s in invisible_secrets if s in body], f"{route} leaks for {role}"
            checked += 1
            continue
        missing = {name: MISSING_ID for name in world.cases["own"].objects}
        for key, case in world.cases.items():
            path = fill(route, case.objects)
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                body = _bodies(response)
                assert response.status_code < 500, (method, path, role, key)
                if world.visible(role, key):
                    assert response.status_code != 404, (method, path, role, key)
                else:
                    nonexistent = getattr(client, method)(fill(route, missing))
                    assert response.status_code == nonexistent.status_code, (method, path, role, key)
                    assert response.status_code in (404, 405), (method, path, role, key)
                    assert not [s for s in invisible_secrets if s in body], (method, path, role, key)
        checked += 1
    assert checked >= 10  # the walk really covered the project's routes


def test_the_matrix_fails_a_route_it_cannot_fill():
    with pytest.raises(pytest.fail.Exception, match="no object for parameter 'widget_id'"):
        fill("cases/<int:case_id>/widgets/<int:widget_id>/", {"case_id": 1})


def test_admin_is_closed_to_staff_without_admin_rights(world, client):
    client.force_login(world.caseworker)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
