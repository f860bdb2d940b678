"""Every write to the network: master data seeding and staff accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction

from . import master_data
from .groups import agency_group, agency_group_name, area_group, area_group_name
from .models import Agency, Area, CommunityArea, Membership, Role, User
from .roles import ROLE_GROUP_PREFIX, role_group_sync, role_permissions_sync
from .twofactor import totp_provision

# --- master data -----------------------------------------------------------------------------


@dataclass
class SeedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


SeedReport = dict[str, SeedCounts]  # "what" (e.g. "areas") -> counts
MasterDataSeeder = Callable[[], SeedReport]

# Apps above network (reports: indicator definitions and the plan's targets) plug their master data in
# here from their AppConfig.ready(), so `seed_master` loads everything while network imports nothing
# from them (dependencies point one way).
_extra_seeders: dict[str, MasterDataSeeder] = {}


def master_data_seeder_register(*, name: str, seeder: MasterDataSeeder) -> None:
    """Add an app's master-data step to `master_data_seed`; registering a name again replaces it."""
    _extra_seeders[name] = seeder


def _upsert(model: type[models.Model], *, code: str, **values) -> tuple[models.Model, str]:
    """Match by code; create, or refresh only the attributes that differ. Returns (row, outcome)."""
    row = model.objects.filter(code=code).first()
    if row is None:
        return model.objects.create(code=code, **values), "created"
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row, "unchanged"
    for name in changed:
        setattr(row, name, values[name])
    row.save(update_fields=[name.removesuffix("_id") for name in changed])
    return row, "updated"


def _agency_reading(code: str) -> dict[str, str]:
    reading, aliases = master_data.AGENCY_READINGS.get(code, ("", ""))
    return {"reading": reading, "aliases": aliases}


def _network_master_data_seed() -> SeedReport:
    report: SeedReport = {key: SeedCounts() for key in ("areas", "community areas", "centres", "agencies")}
    areas: dict[str, Area] = {}
    for seed in master_data.AREAS:
        area, outcome = _upsert(Area, code=seed.code, name=seed.name, sort_order=seed.sort_order)
        areas[seed.code] = area
        centre, centre_outcome = _upsert(
            Agency,
            code=seed.centre_code,
            name=seed.centre_name,
            kind="community_centre",
            area_id=area.pk,
            is_centre=True,
            commissioned_by_city=True,
            **_agency_reading(seed.centre_code),
        )
        report["centres"].add(centre_outcome)
        if area.coordinating_centre_id != centre.pk:
            area.coordinating_centre = centre
            area.save(update_fields=["coordinating_centre"])
            outcome = "updated" if outcome == "unchanged" else outcome
        report["areas"].add(outcome)
    for seed in master_data.COMMUNITY_AREAS:
        _row, outcome = _upsert(CommunityArea, code=seed.code, name=seed.name, area_id=areas[seed.area].pk)
        report["community areas"].add(outcome)
    for seed in master_data.AGENCIES:
        _row, outcome = _upsert(
            Agency,
            code=seed.code,
            name=seed.name,
            kind=seed.kind,
            area_id=areas[seed.area].pk if seed.area else None,
            commissioned_by_city=seed.commissioned_by_city,
            is_centre=False,
            **_agency_reading(seed.code),
        )
        report["agencies"].add(outcome)
    return report


@transaction.atomic
def master_data_seed() -> SeedReport:
    """Load the master data idempotently: rows are matched by code, never deleted, names refreshed.

    Runs network's own step, then every registered app's step, all in one transaction.
    """
    report = _network_master_data_seed()
    role_permissions_sync()  # the "role:<role>" groups and the model permissions they carry
    for seeder in _extra_seeders.values():
        report.update(seeder())
    return report


# --- staff accounts --------------------------------------------------------------------------

AREA_ROLES = (Role.CASEWORKER, Role.COORDINATOR)
# The groups staff_groups_sync manages; any other group a user is in is left alone.
MANAGED_GROUP_PREFIXES = ("area:", "agency:")


@dataclass(frozen=True)
class StaffResult:
    user: User
    created: bool
    membership: Membership
    groups: list[str] = field(default_factory=list)
    totp_provisioned: bool = False


def _known_codes(queryset) -> str:
    codes = list(queryset.values_list("code", flat=True)[:41])
    if not codes:
        return "none yet (run `manage.py seed_master` or add them in the admin)"
    return ", ".join(codes[:40]) + (", ..." if len(codes) > 40 else "")


def _resolve_team(
    *, role: str, area_code: str | None, agency_code: str | None
) -> tuple[Area | None, Agency | None]:
    """The area or agency a role belongs to; each role takes exactly what its membership needs."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."})
    if role in AREA_ROLES:
        if agency_code:
            raise ValidationError({"agency": f"A {role} belongs to an area team: give --area, not --agency."})
        if not area_code:
            raise ValidationError(
                {"area": f"A {role} needs --area CODE (known areas: {_known_codes(Area.objects)})."}
            )
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise ValidationError(
                {"area": f"Unknown area code {area_code!r}; known areas: {_known_codes(Area.objects)}."}
            )
        return area, None
    if role == Role.AGENCY:
        if area_code:
            raise ValidationError({"area": "Agency staff belong to an agency: give --agency, not --area."})
        if not agency_code:
            raise ValidationError({"agency": "Agency staff need --agency CODE."})
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            known = _known_codes(Agency.objects)
            raise ValidationError(
                {"agency": f"Unknown agency code {agency_code!r}; known agencies: {known}."}
            )
        if not agency.is_active:
            raise ValidationError({"agency": f"Agency {agency_code!r} is inactive; reactivate it first."})
        return None, agency
    if area_code or agency_code:
        raise ValidationError({"role": f"A {role} works city-wide: give neither --area nor --agency."})
    return None, None


def staff_totp_provision(*, user: User, secret: str) -> None:
    """Give the user one confirmed TOTP device with this secret, replacing their TOTP devices."""
    try:
        totp_provision(user=user, secret_base32=secret)
    except ValueError as exc:
        raise ValidationError({"totp_secret": f"The TOTP secret is not usable: {exc}."}) from None


def staff_groups_sync(*, user: User) -> list[str]:
    """Put the user in exactly the area-team, agency and role groups their memberships call for.

    Other groups are left alone. Returns the names of the managed groups the user is now in.
    """
    wanted: dict[str, Group] = {}
    for membership in user.memberships.select_related("area", "agency"):
        if membership.area_id:
            wanted[area_group_name(membership.area)] = area_group(membership.area)
        if membership.agency_id:
            wanted[agency_group_name(membership.agency)] = agency_group(membership.agency)
    managed = models.Q()
    for prefix in MANAGED_GROUP_PREFIXES:
        managed |= models.Q(name__startswith=prefix)
    stale = [group for group in user.groups.filter(managed) if group.name not in wanted]
    if stale:
        user.groups.remove(*stale)
    user.groups.add(*wanted.values())
    role_group_sync(user=user)
    return sorted(
        user.groups.filter(managed | models.Q(name__startswith=ROLE_GROUP_PREFIX)).values_list(
            "name", flat=True
        )
    )


@dataclass(frozen=True)
class StaffNames:
    """What colleagues read for a staff member: family and given name, and their kana."""

    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""

    def apply(self, user) -> None:
        user.last_name, user.first_name = self.family_name.strip(), self.given_name.strip()
        user.family_name_kana = self.family_name_kana.strip()
        user.given_name_kana = self.given_name_kana.strip()
        for name in ("last_name", "first_name", "family_name_kana", "given_name_kana"):
            try:
                user._meta.get_field(name).run_validators(getattr(user, name))
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from None


@transaction.atomic
def staff_create_or_update(
    *,
    username: str,
    password: str,
    role: str,
    area_code: str | None = None,
    agency_code: str | None = None,
    totp_secret: str | None = None,
    names: StaffNames | None = None,
) -> StaffResult:
    """Create the account or update it: set the password, replace its membership for `role`, sync groups.

    `names` sets the display name (family and given name, with kana); left out, the names are kept.
    Memberships of the user's other roles are kept. Everything is validated before anything is written.
    """
    area, agency = _resolve_team(role=role, area_code=area_code, agency_code=agency_code)
    User._meta.get_field("username").run_validators(username)
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
    validate_password(password, user=user)
    user.set_password(password)
    if names is not None:
        names.apply(user)
    user.save()
    user.memberships.filter(role=role).delete()
    membership = Membership.objects.create(user=user, role=role, area=area, agency=agency)
    groups = staff_groups_sync(user=user)
    if totp_secret is not None:
        staff_totp_provision(user=user, secret=totp_secret)
    return StaffResult(
        user=user,
        created=created,
        membership=membership,
        groups=groups,
        totp_provisioned=totp_secret is not None,
    )
