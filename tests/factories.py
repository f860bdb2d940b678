"""Synthetic test data. Names are invented (架空) and never real people's."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from casework import services as casework_services
from network.models import Agency, AgencyKind, Area, Membership, Role, User

_seq = itertools.count(1)


def make_area(code: str | None = None, name: str | None = None) -> Area:
    n = next(_seq)
    code = code or f"area{n}"
    return Area.objects.get_or_create(code=code, defaults={"name": name or f"テストエリア{n}"})[0]


def make_agency(code: str | None = None, *, kind: str = AgencyKind.COMPREHENSIVE_CARE, area=None) -> Agency:
    n = next(_seq)
    code = code or f"agency{n}"
    return Agency.objects.get_or_create(
        code=code, defaults={"name": f"テスト機関{n}", "kind": kind, "area": area}
    )[0]


def make_staff(
    username: str | None = None,
    *,
    role: str = Role.CASEWORKER,
    area=None,
    agency=None,
    password: str = "correct-horse-9",
) -> User:
    user = User.objects.create_user(username=username or f"staff{next(_seq)}", password=password)
    if role in (Role.CASEWORKER, Role.COORDINATOR):
        area = area or make_area()
    Membership.objects.create(
        user=user,
        role=role,
        area=area if role in (Role.CASEWORKER, Role.COORDINATOR) else None,
        agency=agency if role == Role.AGENCY else None,
    )
    return user


def make_case(
    *,
    by: User,
    area: Area | None = None,
    name: str = "架空 太郎",
    kana: str = "カクウ タロウ",
    issues=("8050",),
    main_issue: str = "8050",
    opened_on: datetime.date | None = None,
    **intake,
):
    area = area or Area.objects.get(id=by.memberships.values("area_id")[:1])
    return casework_services.case_open(
        opened_by=by,
        area=area,
        household_name=name,
        household_name_kana=kana,
        issues=list(issues),
        main_issue=main_issue,
        opened_on=opened_on,
        **intake,
    )


def log_activity(
    case,
    *,
    by: User,
    when: datetime.datetime | None = None,
    kind: str = "visit",
    agencies=(),
    note: str | None = None,
    minutes: int = 30,
):
    if note is None:  # most kinds need a note (casework.services.NOTE_OPTIONAL_KINDS)
        note = "" if kind in casework_services.NOTE_OPTIONAL_KINDS else "架空の支援記録"
    return casework_services.activity_log(
        case=case,
        logged_by=by,
        occurred_at=when or timezone.now() - datetime.timedelta(hours=1),
        kind=kind,
        minutes=minutes,
        partner_agencies=agencies,
        note=note,
    )


def verified_client(user, client=None):
    """A logged-in browser session that has passed the second factor (coordinators, managers and
    auditors need it for every page)."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = client or Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
