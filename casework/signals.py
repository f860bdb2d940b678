"""Account events into the audit log, and what deactivating a staff account must end."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from . import audit
from .models import AuditAction


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=user, action=AuditAction.LOGIN)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action=AuditAction.LOGOUT)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The username tried is kept (it is a staff account name, not a resident's data); never the password.
    username = str(credentials.get("username", ""))[:150]
    changes = {"username": username}
    if credentials.get("step"):
        changes["step"] = credentials["step"]  # the password was right; the second factor was not
    audit.record(actor=None, action=AuditAction.LOGIN_FAILED, changes=changes)


@receiver(pre_save, sender=get_user_model())
def _remember_active(sender, instance, **kwargs):
    if instance.pk:
        instance._was_active = (
            sender.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
        )


@receiver(post_save, sender=get_user_model())
def _deactivated(sender, instance, created, **kwargs):
    if not created and getattr(instance, "_was_active", False) and not instance.is_active:
        from .services import staff_access_end

        staff_access_end(user=instance)


def _label(obj) -> str:
    if isinstance(obj, Permission):
        return f"{obj.content_type.app_label}.{obj.codename}"
    return str(obj)


def _record_membership_change(*, action: str, instance, model, pk_set, reverse: bool, label: str) -> None:
    """Group and permission changes of staff accounts are permission grants/revokes: audit them,
    whoever made them (create_staff, the admin, a service)."""
    if not pk_set:
        return
    audit_action = AuditAction.PERMISSION_GRANT if action == "post_add" else AuditAction.PERMISSION_REVOKE
    User = get_user_model()
    if reverse:  # group.user_set.add(user, ...): instance is the group, pk_set the users
        names = [_label(instance)]
        targets = list(User.objects.filter(pk__in=pk_set))
    else:
        names = sorted(_label(obj) for obj in model.objects.filter(pk__in=pk_set))
        targets = [instance]
    for user in targets:
        change = [None, names] if action == "post_add" else [names, None]
        audit.record(actor=None, action=audit_action, obj=user, changes={label: change})


@receiver(m2m_changed, sender=get_user_model().groups.through)
def _groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action in ("post_add", "post_remove"):
        _record_membership_change(
            action=action, instance=instance, model=model, pk_set=pk_set, reverse=reverse, label="groups"
        )


@receiver(m2m_changed, sender=get_user_model().user_permissions.through)
def _permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action in ("post_add", "post_remove"):
        _record_membership_change(
            action=action, instance=instance, model=model, pk_set=pk_set, reverse=reverse, label="permissions"
        )
