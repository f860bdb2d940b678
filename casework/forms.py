"""Input forms of the caseworker UI. They check the shape of what was typed; the rules of the domain
stay in casework.services, whose ValidationError / StateConflict are mapped back onto these forms."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.fiscal import TOKYO
from network.models import Agency, Area
from network.selectors import active_agencies, areas_of

from .models import (
    ActivityKind,
    CaseStatus,
    ClosureReason,
    ContactMethod,
    IssueTag,
    ReferralSource,
    Relationship,
    Sex,
    Urgency,
)
from .selectors import CaseFilters

# ひらがな, カタカナ (after NFKC, so half-width kana is already full-width), the long-vowel mark,
# the middle dot and spaces: what people write in a ふりがな box.
_KANA = re.compile(r"^[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff・ー\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9()+\-\s]+$")


def _blank(label):
    return [("", label)]


def normalise_kana_input(value: str) -> str:
    """Half-width katakana and full-width spaces become their ordinary forms; kana stays as typed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()


def validate_kana(value: str) -> None:
    if value and not _KANA.match(value):
        raise ValidationError(
            _("Write the reading in hiragana or katakana (e.g. やまだ たろう)."), code="kana"
        )


class KanaField(forms.CharField):
    """ふりがな: normalised first (half-width kana, full-width spaces), then checked to be kana."""

    default_validators = [validate_kana]

    def to_python(self, value):
        return normalise_kana_input(super().to_python(value))


def clean_phone(value: str) -> str:
    """Accepts 090-1234-5678, (03) 1234 5678, full-width digits...; keeps the person's formatting."""
    value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS.match(value) or not 6 <= len(digits) <= 15:
        raise ValidationError(
            _("Enter a phone number of digits and hyphens, e.g. 090-1234-5678."), code="phone"
        )
    return value


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form: known fields by name, anything else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class UIForm(forms.Form):
    """Labels without a trailing colon; required fields marked by CSS class."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TokyoDateTimeField(forms.DateTimeField):
    """A <input type="datetime-local"> read and shown as Asia/Tokyo wall-clock time, whatever the
    server's or the browser's time zone; the cleaned value is an aware datetime."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(TOKYO):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(TOKYO):
            return super().prepare_value(value)


class AgencyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Agencies for "picked by typing": each option carries its kind and code for the type-to-filter box."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", active_agencies())
        kwargs.setdefault(
            "widget",
            AgencySelectMultiple(
                attrs={
                    "data-agency-picker": "",
                    "size": 6,
                    "data-placeholder": _("Type part of a name to find an agency"),
                    "data-remove-label": _("Remove"),
                    "data-no-match": _("No agency matches."),
                }
            ),
        )
        super().__init__(**kwargs)


class AgencySelectMultiple(forms.SelectMultiple):
    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        agency = getattr(value, "instance", None)
        if isinstance(agency, Agency):
            option["attrs"]["data-search"] = f"{agency.get_kind_display()} {agency.code}"
        return option


# --- case list --------------------------------------------------------------------------------------


class CaseFilterForm(UIForm):
    """The search and filters of "my cases"; an invalid value is ignored rather than an error page."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Case number, name, kana or phone"),
                "autocomplete": "off",
                "enterkeyhint": "search",
            }
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=None, required=False, to_field_name="code")
    issue = forms.ChoiceField(label=_("Issue"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank(_("All statuses")) + CaseStatus.choices
        self.fields["issue"].choices = _blank(_("All issues")) + IssueTag.choices
        self.fields["area"].queryset = areas_of(user=user)
        self.fields["area"].empty_label = _("All my areas")

    def to_filters(self) -> CaseFilters:
        if not self.is_bound:
            return CaseFilters()
        self.is_valid()  # fills cleaned_data with the valid fields only
        data = self.cleaned_data
        area = data.get("area")
        return CaseFilters(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            area=area.code if area else "",
            issue=data.get("issue") or "",
        )


# --- intake -----------------------------------------------------------------------------------------


class CaseIntakeForm(UIForm):
    """相談受付・申込票: what the intake sheet records about a new household."""

    area = forms.ModelChoiceField(label=_("Area"), queryset=None)
    household_name = forms.CharField(label=_("Household name"), max_length=100)
    household_name_kana = KanaField(
        label=_("Household name (kana)"),
        max_length=100,
        help_text=_("Hiragana or katakana; used to find the household again."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contact_method = forms.ChoiceField(label=_("Contact method"), required=False)
    referral_source = forms.ChoiceField(label=_("Referral source"), required=False)
    referral_agency = forms.ModelChoiceField(label=_("Referring agency"), queryset=None, required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.MEDIUM, widget=forms.RadioSelect
    )
    issues = forms.MultipleChoiceField(
        label=_("Issues"),
        choices=IssueTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every issue the household has."),
    )
    main_issue = forms.ChoiceField(label=_("Main issue"))
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())
    wishes = forms.CharField(
        label=_("The person's wishes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    consultation_summary = forms.CharField(
        label=_("Consultation summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    confirm_duplicate = forms.BooleanField(
        label=_("These are different households: create the case anyway"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        areas = areas_of(user=user)
        self.fields["area"].queryset = areas
        if not self.is_bound and len(areas) == 1:
            self.fields["area"].initial = areas[0].pk
        self.fields["contact_method"].choices = _blank("---------") + ContactMethod.choices
        self.fields["referral_source"].choices = _blank("---------") + ReferralSource.choices
        self.fields["referral_agency"].queryset = active_agencies()
        self.fields["main_issue"].choices = _blank("---------") + IssueTag.choices
        self.fields["opened_on"].initial = timezone.localdate

    def clean_household_name(self) -> str:
        return self.cleaned_data["household_name"].strip()

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_opened_on(self) -> datetime.date:
        opened_on = self.cleaned_data["opened_on"]
        if opened_on > timezone.localdate():
            raise ValidationError(_("The intake date cannot be in the future."), code="future")
        return opened_on

    def clean(self):
        data = super().clean()
        if data.get("referral_source") == ReferralSource.AGENCY and not data.get("referral_agency"):
            self.add_error("referral_agency", _("Choose the agency that referred the household."))
        return data

    def to_service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "area": data["area"],
            "household_name": data["household_name"],
            "household_name_kana": data["household_name_kana"],
            "issues": data["issues"],
            "main_issue": data["main_issue"],
            "opened_on": data["opened_on"],
            "phone": data["phone"],
            "address": data["address"],
            "contact_method": data["contact_method"],
            "referral_source": data["referral_source"],
            "referral_agency": data["referral_agency"],
            "urgency": data["urgency"],
            "wishes": data["wishes"],
            "consultation_summary": data["consultation_summary"],
        }


# --- household members ------------------------------------------------------------------------------


class MemberForm(UIForm):
    """世帯員. Who is the person at the centre is said once, by the relationship 本人 (no separate box)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    name_kana = KanaField(label=_("Name (kana)"), max_length=100)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    relationship = forms.ChoiceField(
        label=_("Relationship"),
        help_text=_("To the person at the centre of support; choose 本人 for that person."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    issues = forms.MultipleChoiceField(
        label=_("Issues"), choices=IssueTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "member")
        super().__init__(*args, **kwargs)
        self.fields["relationship"].choices = _blank("---------") + Relationship.choices

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        if birth_date and birth_date > timezone.localdate():
            raise ValidationError(_("The birth date cannot be in the future."), code="future")
        return birth_date

    @classmethod
    def for_member(cls, member, data=None) -> MemberForm:
        """The edit form, filled with the member's current values."""
        initial = {name: getattr(member, name) for name in cls.base_fields}
        return cls(data, initial=initial)


# --- plans ------------------------------------------------------------------------------------------


class PlanForm(UIForm):
    """プランシート."""

    created_on = forms.DateField(label=_("Plan date"), widget=DateInput())
    wishes = forms.CharField(
        label=_("The person's wishes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    long_term_goal = forms.CharField(
        label=_("Long-term goal"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    short_term_goal = forms.CharField(
        label=_("Short-term goal"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_on = forms.DateField(label=_("Next review"), required=False, widget=DateInput())
    decided_at_meeting_on = forms.DateField(
        label=_("Decided at the meeting on"), required=False, widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "plan")
        super().__init__(*args, **kwargs)
        self.fields["created_on"].initial = timezone.localdate


class PlanRoleForm(UIForm):
    """One row of the plan: 担当機関 × 支援内容 × 期間・頻度. A row left blank is skipped."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None, required=False)
    support = forms.CharField(label=_("Support"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    frequency = forms.CharField(label=_("Period and frequency"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()

    def clean(self):
        data = super().clean()
        agency, support = data.get("agency"), (data.get("support") or "").strip()
        if (agency or support or data.get("frequency")) and not (agency and support):
            if not agency:
                self.add_error("agency", _("Choose the agency for this support."))
            if not support:
                self.add_error("support", _("Describe the support this agency gives."))
        return data

    def as_role(self):
        data = getattr(self, "cleaned_data", {})
        if not data.get("agency"):
            return None
        return (data["agency"], data["support"].strip(), data.get("frequency", "").strip())


PlanRoleFormSet = forms.formset_factory(PlanRoleForm, extra=3, max_num=10, validate_max=True)


def plan_role_formset(data=None) -> forms.BaseFormSet:
    return PlanRoleFormSet(data=data, prefix="roles")


# --- status -----------------------------------------------------------------------------------------


class StatusChangeForm(UIForm):
    status = forms.ChoiceField(label=_("New status"))
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"), required=False, help_text=_("Needed when the case is closed.")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, next_statuses, **kwargs):
        kwargs.setdefault("prefix", "status")
        super().__init__(*args, **kwargs)
        allowed = set(next_statuses)
        self.fields["status"].choices = _blank("---------") + [
            (value, label) for value, label in CaseStatus.choices if value in allowed
        ]
        self.fields["closure_reason"].choices = _blank("---------") + ClosureReason.choices


class ReopenForm(UIForm):
    note = forms.CharField(label=_("Why the case is reopened"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "reopen")
        super().__init__(*args, **kwargs)


# --- activities -------------------------------------------------------------------------------------


class QuickActivityForm(UIForm):
    """支援経過 in a few taps: kind, when, how long, with whom, what happened."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, widget=forms.RadioSelect)
    occurred_at = TokyoDateTimeField(label=_("Date and time"))
    minutes = forms.IntegerField(
        label=_("Minutes"),
        required=False,
        min_value=0,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    partner_agencies = AgencyMultipleChoiceField(
        label=_("Partner agencies"),
        required=False,
        help_text=_("The agencies this was done together with."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "log")
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = lambda: timezone.now().replace(second=0, microsecond=0)

    def to_service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "occurred_at": data["occurred_at"],
            "minutes": data["minutes"] or 0,
            "partner_agencies": list(data["partner_agencies"]),
            "note": data["note"],
        }


class VoidForm(UIForm):
    reason = forms.CharField(label=_("Reason for voiding"), max_length=200)


class LoginForm(AuthenticationForm):
    """Django's login form, with labels laid out like the rest of the UI."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- access control: sharing, lead caseworker, break-glass --------------------------------------------

# The same words as the services' checks, so the form and the service share one translation.
AGENCIES_REQUIRED = _("Choose at least one agency.")
CONFIDENTIALITY_REQUIRED = _("The members' duty of confidentiality must be acknowledged (守秘義務).")
BREAK_GLASS_REASON_REQUIRED = _("Explain why you need to open this case (at least 5 characters).")


class ConsentForm(UIForm):
    """本人同意: which agencies the person agreed to share the case with, on which day, for what."""

    agencies = AgencyMultipleChoiceField(
        label=_("Agencies"),
        error_messages={"required": AGENCIES_REQUIRED},
        help_text=_("The agencies the person agreed to share the case with."),
    )
    given_on = forms.DateField(label=_("Given on"), widget=DateInput())
    scope = forms.CharField(
        label=_("Scope"),
        required=False,
        max_length=200,
        help_text=_("What the consent covers, e.g. which information or purpose."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "consent")
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = timezone.localdate

    def to_service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"agencies": list(data["agencies"]), "given_on": data["given_on"], "scope": data["scope"]}


class ConsentDocumentForm(UIForm):
    """The scanned consent form; its type is checked by content in the service, not by this field."""

    file = forms.FileField(
        label=_("Scanned consent form"),
        help_text=_("PDF, JPEG or PNG. Stored encrypted; replaces the form attached before."),
        error_messages={"required": _("Choose the scanned consent form (PDF, JPEG or PNG) to attach.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "document")
        super().__init__(*args, **kwargs)


class ConsentDocumentDeleteForm(forms.Form):
    file_id = forms.UUIDField(widget=forms.HiddenInput)


class SupportMeetingForm(UIForm):
    """支援会議 (社会福祉法 §106-6): its members may share without consent, bound by confidentiality."""

    agencies = AgencyMultipleChoiceField(
        label=_("Member agencies"), error_messages={"required": AGENCIES_REQUIRED}
    )
    registered_on = forms.DateField(label=_("Registered on"), widget=DateInput())
    confidentiality_acknowledged = forms.BooleanField(
        label=_("The member agencies know they are bound by the duty of confidentiality (守秘義務)."),
        error_messages={"required": CONFIDENTIALITY_REQUIRED},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "meeting")
        super().__init__(*args, **kwargs)
        self.fields["registered_on"].initial = timezone.localdate

    def to_service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "agencies": list(data["agencies"]),
            "registered_on": data["registered_on"],
            "confidentiality_acknowledged": data["confidentiality_acknowledged"],
        }


class ShareOverrideForm(UIForm):
    """例外共有: share with one agency without consent or 支援会議; the reason is kept in the audit log."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the case must be shared without consent. Recorded in the audit log."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "share")
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full_name = f"{obj.last_name} {obj.first_name}".strip()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class LeadCaseworkerForm(UIForm):
    """The area coordinator assigns the lead caseworker (主担当) from the case's area team."""

    lead_caseworker = StaffChoiceField(label=_("Lead caseworker"), queryset=None)

    def __init__(self, *args, choices, **kwargs):
        kwargs.setdefault("prefix", "lead")
        super().__init__(*args, **kwargs)
        self.fields["lead_caseworker"].queryset = choices


class BreakGlassForm(UIForm):
    """緊急閲覧: a manager names the case by its number and says why they must open it."""

    number = forms.CharField(
        label=_("Case number"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "2025-0012"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"min_length": BREAK_GLASS_REASON_REQUIRED},
        help_text=_("At least 5 characters. It is recorded and shown to the case's area coordinator."),
    )

    def clean_number(self) -> str:
        # Full-width digits and hyphens (２０２５－００１２) as typed on a Japanese keyboard.
        return unicodedata.normalize("NFKC", self.cleaned_data["number"]).replace("−", "-").strip()


class LedgerUploadForm(UIForm):
    """The managers' import page: the team's ledger and the area it belongs to."""

    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.order_by("sort_order", "code"),
        empty_label=None,
        help_text=_("The area whose team kept this ledger. Imported cases belong to this area."),
    )
    file = forms.FileField(
        label=_("Ledger file"),
        help_text=_(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8 or Shift_JIS). Nothing is stored until you "
            "confirm the preview."
        ),
        error_messages={"required": _("Choose the ledger file (.xlsx or .csv) to check.")},
    )


class LedgerConfirmForm(UIForm):
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and leave out the rows with errors"),
        required=False,
    )
