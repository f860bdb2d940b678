"""Forms of the referral pages. They shape input only; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import UIForm
from network.models import Area
from network.selectors import active_agencies

from .models import ReferralKind

MAX_TEXT = 4000


class ReferralRequestForm(UIForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ReferralKind.choices,
        widget=forms.RadioSelect,
        initial=ReferralKind.COLLABORATION,
    )
    to_area = forms.ModelChoiceField(
        label=_("To an area"), queryset=Area.objects.none(), required=False, empty_label="—"
    )
    to_agency = forms.ModelChoiceField(
        label=_("Or to an agency"),
        queryset=active_agencies(),
        required=False,
        empty_label="—",
        help_text=_("Collaboration only; needs consent or a 支援会議 registration."),
    )
    reason = forms.CharField(
        label=_("Reason and request"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you ask the other side to do. It is stored encrypted."),
    )
    override_reason = forms.CharField(
        label=_("Reason for sharing without consent (override)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when no consent or 支援会議 registration covers the agency."),
    )

    def __init__(self, *args, case, can_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_area"].queryset = Area.objects.exclude(pk=case.area_id)
        if not can_override:
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        if bool(data.get("to_area")) == bool(data.get("to_agency")):
            self.add_error("to_area", _("Choose exactly one destination: an area or an agency."))
        return data

    def to_service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "to_area": data.get("to_area"),
            "to_agency": data.get("to_agency"),
            "reason": data["reason"],
            "override_reason": data.get("override_reason", ""),
        }


class DeclineForm(UIForm):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompleteForm(UIForm):
    outcome = forms.CharField(
        label=_("Outcome"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
