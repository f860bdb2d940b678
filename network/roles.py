"""Model permissions that follow from a staff member's role, held by one Django group per role.

Object permissions stay with the area-team and agency groups (network.groups); these "role:<role>"
groups carry only the model-wide permissions a role implies, e.g. the audited break-glass read.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Membership, Role

ROLE_GROUP_PREFIX = "role:"

# role → the "app_label.codename" permissions its group holds, exactly.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.MANAGER: ("casework.break_glass",),
    Role.COORDINATOR: ("casework.share_without_basis",),
}


def role_group_name(role: str) -> str:
    return f"{ROLE_GROUP_PREFIX}{role}"


def _permissions(labels: tuple[str, ...]) -> list[Permission]:
    found = []
    for label in labels:
        app_label, codename = label.split(".", 1)
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@transaction.atomic
def role_permissions_sync() -> None:
    """Create the role groups that carry permissions and give each exactly its permissions (idempotent)."""
    for role, labels in ROLE_PERMISSIONS.items():
        group = Group.objects.get_or_create(name=role_group_name(role))[0]
        group.permissions.set(_permissions(labels))


@transaction.atomic
def role_group_sync(*, user) -> None:
    """Put the user in "role:<role>" for each of their membership roles, and out of any other role group."""
    roles = set(Membership.objects.filter(user_id=user.pk).values_list("role", flat=True))
    wanted = [Group.objects.get_or_create(name=role_group_name(role))[0] for role in sorted(roles)]
    stale = user.groups.filter(name__startswith=ROLE_GROUP_PREFIX).exclude(pk__in=[g.pk for g in wanted])
    user.groups.remove(*stale)
    user.groups.add(*wanted)
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache", "_yorisoi_roles"):
        user.__dict__.pop(cache, None)
