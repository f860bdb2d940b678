"""The referrals app's source for the case's ecomap (casework.ecomap): agencies the household was referred
to, while the referral is open or after it was accepted. Registered in ReferralsConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from casework.ecomap import EcomapContext, agency_tie
from casework.genogram import Tie

from .models import Referral, ReferralStatus

TIED_STATUSES = (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)


def referral_ties(context: EcomapContext) -> Iterable[Tie]:
    referrals = (
        Referral.objects.filter(case=context.case, to_agency__isnull=False, status__in=TIED_STATUSES)
        .select_related("to_agency")
        .order_by("id")
    )
    for referral in referrals:
        yield agency_tie(referral.to_agency, source=_("紹介"))
