"""The audit trail: one function writes every row, inside the caller's transaction.

Encrypted (personal) fields appear in `changes` only as "***" so the log never holds plaintext.
Request context (IP, channel) comes from AuditContextMiddleware through a context variable.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from config.inserts import insert_new

from .fields import EncryptedMixin
from .models import AuditEvent, Case

MASK = "***"


@dataclass(frozen=True)
class AuditContext:
    ip_address: str | None = None
    channel: str = ""


_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "audit_context",
    default=AuditContext(),  # noqa: B039 - a frozen dataclass, never mutated
)


def set_context(ctx: AuditContext) -> contextvars.Token:
    return _context.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _context.reset(token)


def record(
    *,
    actor,
    action: str,
    case: Case | None = None,
    obj: models.Model | None = None,
    changes: dict | None = None,
    reason: str = "",
    channel: str = "",
) -> AuditEvent:
    ctx = _context.get()
    return insert_new(  # every write makes one: its INSERT is compiled once per process
        AuditEvent(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_username=getattr(actor, "username", "") or "",
            action=action,
            case=case,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            changes=changes or {},
            reason=reason,
            ip_address=ctx.ip_address,
            channel=channel or ctx.channel,
        )
    )


def _is_personal(model: type[models.Model], name: str) -> bool:
    try:
        return isinstance(model._meta.get_field(name), EncryptedMixin)
    except FieldDoesNotExist:  # derived names (e.g. partner agency codes) are not personal fields
        return False


def _plain(value):
    if isinstance(value, models.Model):
        return str(value.pk)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def changes_between(model: type[models.Model], before_values: dict, after_values: dict) -> dict:
    """{field: [old, new]} of what changed; a personal field shows THAT it changed ("***"), never to what."""
    changed = {}
    for name, new in after_values.items():
        old = before_values.get(name)
        if old == new:
            continue
        if _is_personal(model, name):
            changed[name] = [MASK if old else "", MASK if new else ""]
        else:
            changed[name] = [_plain(old), _plain(new)]
    return changed
