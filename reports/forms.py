"""Input forms of the report pages; the rules stay in reports.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DateInput, UIForm
from network.fiscal import reiwa_label

from .models import CentreUsageKind, Grade
from .selectors import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, tokyo_today


class FiscalYearForm(UIForm):
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [(fy, reiwa_label(fy)) for fy in years]


class CentreUsageForm(UIForm):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=None, empty_label=None)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=CentreUsageKind.choices, widget=forms.RadioSelect)
    count = forms.IntegerField(
        label=_("Count"),
        min_value=1,
        max_value=10_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres
        self.fields["date"].initial = tokyo_today()
        self.fields["kind"].initial = CentreUsageKind.CONSULTATION


class TargetsForm(UIForm):
    """One optional whole number per target row; blank means "the plan sets none"."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            label = row["indicator"].name + (f" — {row['centre'].name}" if row["centre"] else "")
            self.fields[row["key"]] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=10_000_000,
                initial=row["value"],
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def bound_rows(self):
        return [(row, self[row["key"]]) for row in self.rows]


def fiscal_year_in_range(value: int) -> bool:
    return MIN_FISCAL_YEAR <= value <= MAX_FISCAL_YEAR


class ActionPlanGradesForm(UIForm):
    """The ◎ 〇 △ of one fiscal year: one select per item, saved in one POST."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        choices = [("", _("— not evaluated"))] + [(value, label) for value, label in Grade.choices]
        for row in rows:
            self.fields[f"item-{row['item'].pk}"] = forms.ChoiceField(
                label=row["item"].title, required=False, choices=choices, initial=row["grade"]
            )

    def bound_rows(self):
        return [(row, self[f"item-{row['item'].pk}"]) for row in self.rows]

    def grades(self) -> dict[int, str]:
        return {row["item"].pk: self.cleaned_data[f"item-{row['item'].pk}"] for row in self.rows}


class NetworkMeetingForm(UIForm):
    held_on = forms.DateField(label=_("Date held"), widget=DateInput)
    theme = forms.CharField(
        label=_("Topic"),
        max_length=200,
        help_text=_("Stored unencrypted: never write personal data (names, households, addresses) here."),
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("Participating corporations and agencies"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies


class NationalFiguresForm(UIForm):
    """The yearly national figures' fiscal year and area (blank: all areas)."""

    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args, years: list[int], areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [(fy, reiwa_label(fy)) for fy in years]
        self.fields["area"].choices = [("", _("All areas")), *((a.code, a.name) for a in areas)]
