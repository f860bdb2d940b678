"""The ecomap's sources: a registry of provider functions, each answering the ties one kind of record
implies (consents, plan roles, activities' partners, resources the worker added; referrals register theirs
from the referrals app, so no import points up — DESIGN.md §5).

A provider takes an `EcomapContext` and yields `genogram.Tie`s; `case_ties` merges ties to the same agency
or resource (its sources listed together, the strongest tie kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .genogram import Tie
from .models import Case, EcomapKind, EcomapResource, PlanRole, SupportDirection, TieStrength

FREQUENT_ACTIVITIES = 3  # joint activities from which an agency's tie is drawn as strong


@dataclass(frozen=True)
class EcomapContext:
    case: Case
    show_names: bool  # the viewer may see names that identify a person (a 民生委員's, say)


Provider = Callable[[EcomapContext], Iterable[Tie]]
_PROVIDERS: dict[str, Provider] = {}


def register_provider(name: str) -> Callable[[Provider], Provider]:
    """Add a source of ties under `name` (registering the same name again replaces it)."""

    def decorator(provider: Provider) -> Provider:
        _PROVIDERS[name] = provider
        return provider

    return decorator


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


_RANK = {TieStrength.WEAK: 0, TieStrength.ORDINARY: 1, TieStrength.STRONG: 2, TieStrength.STRESSFUL: 3}


def _merge(a: Tie, b: Tie) -> Tie:
    strength = a.strength if _RANK[a.strength] >= _RANK[b.strength] else b.strength
    direction = a.direction if a.direction == b.direction else SupportDirection.MUTUAL
    if SupportDirection.NONE in (a.direction, b.direction):
        direction = b.direction if a.direction == SupportDirection.NONE else a.direction
    sources = a.sources + tuple(s for s in b.sources if s not in a.sources)
    return replace(a, strength=strength, direction=direction, sources=sources)


def case_ties(*, case: Case, show_names: bool) -> list[Tie]:
    """Every tie of the case's household, one per agency or resource, in a stable order."""
    context = EcomapContext(case=case, show_names=show_names)
    merged: dict[str, Tie] = {}
    for provider in _PROVIDERS.values():
        for tie in provider(context):
            merged[tie.key] = _merge(merged[tie.key], tie) if tie.key in merged else tie
    return sorted(merged.values(), key=lambda t: (not t.key.startswith("agency:"), t.key))


def agency_tie(agency, *, source: str, strength: str = TieStrength.ORDINARY) -> Tie:
    return Tie(
        key=f"agency:{agency.code}",
        name=agency.name,
        kind=str(agency.get_kind_display()),
        strength=strength,
        direction=SupportDirection.TO_HOUSEHOLD,
        sources=(source,),
    )


@register_provider("consents")
def consent_ties(context: EcomapContext) -> Iterable[Tie]:
    """Agencies named in a consent in force."""
    consents = context.case.consents.filter(withdrawn_on__isnull=True).prefetch_related("agencies")
    for consent in consents:
        for agency in consent.agencies.all():
            yield agency_tie(agency, source=_("同意"))


@register_provider("plan_roles")
def plan_role_ties(context: EcomapContext) -> Iterable[Tie]:
    """Agencies with a role in the current plan: a strong tie (they carry part of the support)."""
    plan = context.case.plans.order_by("-created_on", "-id").first()
    if plan is None:
        return
    roles = PlanRole.objects.filter(plan=plan, agency__isnull=False)  # 本人's or 家族's own actions: no tie
    for role in roles.select_related("agency").order_by("id"):
        yield agency_tie(role.agency, source=_("プラン"), strength=TieStrength.STRONG)


@register_provider("activities")
def activity_partner_ties(context: EcomapContext) -> Iterable[Tie]:
    """Partner agencies of the household's activities (voided ones do not count); frequent ones strong."""
    from network.models import Agency

    agencies = Agency.objects.filter(activities__case=context.case, activities__voided=False).annotate(
        joint=Count("activities", filter=Q(activities__case=context.case, activities__voided=False))
    )
    for agency in agencies.distinct().order_by("code"):
        strength = TieStrength.STRONG if agency.joint >= FREQUENT_ACTIVITIES else TieStrength.ORDINARY
        yield agency_tie(agency, source=_("活動"), strength=strength)


@register_provider("resources")
def worker_resource_ties(context: EcomapContext) -> Iterable[Tie]:
    """Resources the worker added. A name may identify a person: only the kind when names are hidden."""
    for resource in context.case.ecomap_resources.order_by("kind", "id"):
        kind = str(EcomapKind(resource.kind).label)
        yield Tie(
            key=f"resource:{resource.pk}",
            name=resource.name if context.show_names else kind,
            kind=kind,
            strength=resource.strength,
            direction=resource.direction,
            sources=(_("追加"),),
        )


def resources_of(*, case: Case):
    return EcomapResource.objects.filter(case=case).order_by("kind", "id")
