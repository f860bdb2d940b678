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
from django.utils.translation import pgettext_lazy

from network.fiscal import TOKYO
from network.models import Agency, Area
from network.selectors import active_agencies, agencies_for_picker, areas_of

from . import search, services
from .models import (
    ASSESSMENT_DOMAINS,
    ASSESSMENT_SUMMARIES,
    ActivityKind,
    AgreementMethod,
    AssessmentStatus,
    CaseStatus,
    ClosureReason,
    ConsentScope,
    ContactMethod,
    EcomapKind,
    EvaluationDecision,
    GoalResult,
    HouseholdMember,
    IssueTag,
    MeetingKind,
    Partnership,
    PlanActor,
    ReferralSource,
    Relationship,
    ScreeningOutcome,
    Sex,
    SupportDirection,
    TieStrength,
    Urgency,
)
from .selectors import CASE_ORDERINGS, DEFAULT_CASE_ORDER, LEAD_ME, CaseFilters

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
    """Labels without a trailing colon; required fields marked by CSS class.

    `agencies_for`: the user whose agency pickers these are; their own area's agencies are listed first.
    """

    required_css_class = "required"

    def __init__(self, *args, agencies_for=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if agencies_for is not None:
            for field in self.fields.values():
                if isinstance(field, AgencyMultipleChoiceField):
                    field.queryset = agencies_for_picker(user=agencies_for)


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
            option["attrs"]["data-search"] = agency_picker_key(agency)
        return option


def agency_picker_key(agency: Agency) -> str:
    """What the agency picker matches typed text against: the name, its reading, the aliases staff use
    (ほうかつ, 社協), the kind and the code, each folded as search folds text (casework.search.normalise:
    hiragana and katakana alike, half-width kana, spaces and middle dots ignored); "|" between them."""
    parts = [agency.name, agency.reading, *agency.alias_list, str(agency.get_kind_display()), agency.code]
    return "|".join(search.normalise(part) for part in parts if part)


def agency_picker_matches(agency: Agency, typed: str) -> bool:
    """Whether the picker offers `agency` for `typed` (the same rule as static/js/yorisoi.js)."""
    query = search.normalise(typed)
    return bool(query) and query in agency_picker_key(agency)


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
    # Kept across searches: which list (all I can see, or my caseload) and its sort order.
    lead = forms.ChoiceField(required=False, choices=[("", ""), (LEAD_ME, LEAD_ME)], widget=forms.HiddenInput)
    order = forms.ChoiceField(
        required=False, choices=[(name, name) for name in CASE_ORDERINGS], widget=forms.HiddenInput
    )

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
            lead=data.get("lead") or "",
        )

    @property
    def sort_order(self) -> str:
        if not self.is_bound or (not self.is_valid() and "order" in self.errors):
            return DEFAULT_CASE_ORDER
        return self.cleaned_data.get("order") or DEFAULT_CASE_ORDER


# --- intake -----------------------------------------------------------------------------------------


class CaseRecordForm(UIForm):
    """The household's identity block and intake data, shared by intake and the edit page."""

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
    wishes = forms.CharField(
        label=_("The person's wishes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    consultation_summary = forms.CharField(
        label=_("Consultation summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    # What both forms hand to the services under the same names.
    RECORD_FIELDS = (
        "household_name",
        "household_name_kana",
        "phone",
        "address",
        "contact_method",
        "referral_source",
        "referral_agency",
        "urgency",
        "wishes",
        "consultation_summary",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_method"].choices = _blank("---------") + ContactMethod.choices
        self.fields["referral_source"].choices = _blank("---------") + ReferralSource.choices
        self.fields["referral_agency"].queryset = active_agencies()
        self.fields["main_issue"].choices = _blank("---------") + IssueTag.choices

    def clean_household_name(self) -> str:
        return self.cleaned_data["household_name"].strip()

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get("referral_source") == ReferralSource.AGENCY and not data.get("referral_agency"):
            self.add_error("referral_agency", _("Choose the agency that referred the household."))
        return data


class CaseIntakeForm(CaseRecordForm):
    """相談受付・申込票: what the intake sheet records about a new household."""

    area = forms.ModelChoiceField(label=_("Area"), queryset=None)
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())
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
        self.fields["opened_on"].initial = timezone.localdate

    def clean_opened_on(self) -> datetime.date:
        opened_on = self.cleaned_data["opened_on"]
        if opened_on > timezone.localdate():
            raise ValidationError(_("The intake date cannot be in the future."), code="future")
        return opened_on

    def to_service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "area": data["area"],
            "issues": data["issues"],
            "main_issue": data["main_issue"],
            "opened_on": data["opened_on"],
            **{name: data[name] for name in self.RECORD_FIELDS},
        }


class CaseEditForm(CaseRecordForm):
    """Correcting the household's record: the same fields as intake, plus the screening outcome. Area and
    status have their own ways (referrals, the status form); the intake date stays as recorded."""

    screening_outcome = forms.ChoiceField(label=_("Screening outcome"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screening_outcome"].choices = _blank("---------") + ScreeningOutcome.choices

    @classmethod
    def for_case(cls, case, data=None) -> CaseEditForm:
        """The edit form, filled with the case's current values."""
        initial = {name: getattr(case, name) for name in (*cls.RECORD_FIELDS, "screening_outcome")}
        initial |= {"issues": case.issue_tags, "main_issue": case.main_issue}
        initial["referral_agency"] = case.referral_agency_id
        return cls(data, initial=initial)

    def to_service_kwargs(self) -> dict:
        """casework.services.case_update's arguments (the API's PATCH calls the same service)."""
        data = self.cleaned_data
        return {
            "issues": data["issues"],
            "main_issue": data["main_issue"],
            "screening_outcome": data["screening_outcome"],
            **{name: data[name] for name in self.RECORD_FIELDS},
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
    # for the genogram
    age = forms.IntegerField(
        label=_("Age"),
        required=False,
        min_value=0,
        max_value=130,
        help_text=_("When the birth date is not known."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    lives_together = forms.TypedChoiceField(
        label=_("Living arrangement"),
        choices=[("true", _("Lives together")), ("false", _("Lives apart"))],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        initial="true",
    )
    deceased = forms.BooleanField(label=_("Deceased"), required=False)
    deceased_year = forms.IntegerField(
        label=_("Year of death"),
        required=False,
        min_value=1900,
        max_value=2200,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    partnership = forms.ChoiceField(
        label=_("Partnership"),
        required=False,
        help_text=_("For a spouse (配偶者): married, separated or divorced."),
    )
    father = forms.ModelChoiceField(
        label=_("Father"),
        queryset=HouseholdMember.objects.none(),
        required=False,
        help_text=_("Where the relationship alone does not say whose child this is."),
    )
    mother = forms.ModelChoiceField(
        label=_("Mother"), queryset=HouseholdMember.objects.none(), required=False
    )

    def __init__(self, *args, parents=None, **kwargs):
        """`parents`: the household's members this member may be a child of (for the father/mother boxes)."""
        kwargs.setdefault("prefix", "member")
        super().__init__(*args, **kwargs)
        self.fields["relationship"].choices = _blank("---------") + Relationship.choices
        self.fields["partnership"].choices = _blank("---------") + Partnership.choices
        for role in ("father", "mother"):
            field = self.fields[role]
            field.queryset = parents if parents is not None else HouseholdMember.objects.none()
            field.label_from_instance = _member_choice_label

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("lives_together") is None:
            cleaned.pop("lives_together", None)  # not sent (an older form): the record keeps what it has
        if not cleaned.get("deceased") and cleaned.get("deceased_year") is not None:
            self.add_error("deceased_year", _("A year of death is given only for a deceased member."))
        return cleaned

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
        initial["lives_together"] = "true" if member.lives_together else "false"
        parents = HouseholdMember.objects.filter(case_id=member.case_id).exclude(pk=member.pk)
        return cls(data, initial=initial, parents=parents)


def _member_choice_label(member) -> str:
    return f"{member.get_relationship_display()} {member.name}"


# --- ecomap resources -------------------------------------------------------------------------------


class EcomapResourceForm(UIForm):
    """A community resource around the household (民生委員, サロン, 町会 ...), drawn on the ecomap."""

    name = forms.CharField(
        label=_("Name of the resource"),
        max_length=100,
        help_text=_("e.g. the 民生委員's name, the salon's or the association's name."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=EcomapKind.choices)
    strength = forms.ChoiceField(
        label=_("Strength of the tie"), choices=TieStrength.choices, initial=TieStrength.ORDINARY
    )
    direction = forms.ChoiceField(
        label=_("Direction of support"),
        choices=SupportDirection.choices,
        initial=SupportDirection.TO_HOUSEHOLD,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "resource")
        super().__init__(*args, **kwargs)

    @classmethod
    def for_resource(cls, resource, data=None) -> EcomapResourceForm:
        initial = {name: getattr(resource, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class EcomapResourceRemoveForm(forms.Form):
    """Removing a resource says so explicitly: a bare POST removes nothing."""

    confirm = forms.BooleanField(label=_("Remove this resource from the ecomap"), required=True)


# --- plans ------------------------------------------------------------------------------------------


class PlanForm(UIForm):
    """プランシート: the plan's own fields and the person's agreement; goals and actions are PlanSheet's."""

    created_on = forms.DateField(label=_("Plan date"), widget=DateInput())
    wishes = forms.CharField(
        label=_("The person's wishes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    long_term_goal = forms.CharField(
        label=_("Long-term goal"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_on = forms.DateField(label=_("Next review"), required=False, widget=DateInput())
    decided_at_meeting_on = forms.DateField(
        label=_("Decided at the meeting on"), required=False, widget=DateInput()
    )
    agreed_on = forms.DateField(label=_("Agreed on"), required=False, widget=DateInput())
    agreement_method = forms.ChoiceField(
        label=_("How the agreement was recorded"),
        required=False,
        choices=_blank("—") + AgreementMethod.choices,
    )
    agreement_note = forms.CharField(
        label=_("Note on the agreement"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "plan")
        super().__init__(*args, **kwargs)
        self.fields["created_on"].initial = timezone.localdate


# --- assessment -------------------------------------------------------------------------------------


class AssessmentForm(UIForm):
    """インテーク・アセスメントシート: per domain a status and a narrative, then the summaries. Prefilled
    from the latest version, so a re-assessment changes only what changed."""

    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, _label in ASSESSMENT_DOMAINS:
            self.fields[f"{code}_status"] = forms.ChoiceField(
                label=pgettext_lazy("assessment", "Status"),
                choices=AssessmentStatus.choices,
                initial=AssessmentStatus.UNKNOWN,
            )
            self.fields[f"{code}_note"] = forms.CharField(
                label=_("Situation and issues"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        for code, label in ASSESSMENT_SUMMARIES:
            self.fields[code] = forms.CharField(
                label=label, required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
            )

    def domain_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"{code}_status"], self[f"{code}_note"]) for code, label in ASSESSMENT_DOMAINS]

    def summary_fields(self) -> list[forms.BoundField]:
        return [self[code] for code, _label in ASSESSMENT_SUMMARIES]


class PlanGoalForm(UIForm):
    """A short-term goal (短期目標). A goal left blank, with no action filled in, is skipped."""

    text = forms.CharField(
        label=_("Short-term goal"),
        required=False,
        max_length=services.PLAN_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove = forms.BooleanField(label=_("Remove this goal and its actions"), required=False)


class PlanActionForm(UIForm):
    """An action of a goal: who (an agency, or 本人 / 家族 / 担当相談員 / その他), what, how often, by when.
    A row left blank is skipped; `goal` (hidden) is the number of the goal it belongs to."""

    goal = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    who = forms.ChoiceField(label=_("Who"), choices=PlanActor.choices, initial=PlanActor.AGENCY)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None, required=False)
    support = forms.CharField(
        label=_("What"),
        required=False,
        max_length=services.PLAN_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    frequency = forms.CharField(label=_("Period and frequency"), required=False, max_length=100)
    by_when = forms.DateField(label=_("By when"), required=False, widget=DateInput())
    remove = forms.BooleanField(label=_("Remove this action"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()

    def clean(self):
        data = super().clean()
        if self.is_blank() or data.get("remove"):
            return data
        who, agency = data.get("who"), data.get("agency")
        if not (data.get("support") or "").strip():
            self.add_error("support", _("Describe what is to be done."))
        if who == PlanActor.AGENCY and not agency:
            self.add_error("agency", _("Choose the agency that does it."))
        elif who and who != PlanActor.AGENCY and agency:
            self.add_error("agency", _("Choose an agency only when an agency does it."))
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(
            (
                data.get("agency"),
                (data.get("support") or "").strip(),
                data.get("frequency"),
                data.get("by_when"),
            )
        )

    def as_action(self) -> services.PlanAction:
        data = self.cleaned_data
        return services.PlanAction(
            support=data["support"].strip(),
            who=data["who"],
            agency=data.get("agency"),
            frequency=(data.get("frequency") or "").strip(),
            by_when=data.get("by_when"),
        )


MAX_PLAN_GOALS = services.MAX_PLAN_GOALS
MAX_PLAN_ACTIONS = services.MAX_PLAN_ACTIONS
PLAN_COPIED_FIELDS = ("wishes", "long_term_goal", "review_on")
ACTION_FIELDS = ("who", "agency", "support", "frequency", "by_when")


class PlanSheet:
    """The plan form: PlanForm, then each goal with its actions. Works without JavaScript: "add a goal"
    and "add an action" send the form back to be shown again, one blank row more, nothing saved (the
    rows are plain numbered fields, `goals-N-…` and `actions-N-…` with the goal's number in each action).

    Bound, it checks every row; `drafts()` are the goals and actions kept (blank and removed rows left
    out), and `apply_errors` puts the service's path-keyed errors (`goals.1.actions.0.agency`) back onto
    the row they are about."""

    def __init__(self, data=None, *, plan_initial=None, goals=None):
        self.header = PlanForm(data, initial=plan_initial)
        self.is_bound = data is not None
        if data is not None:
            goal_total = _count(data, "goals-TOTAL", MAX_PLAN_GOALS)
            action_total = _count(data, "actions-TOTAL", MAX_PLAN_ACTIONS)
            goal_forms = [PlanGoalForm(data, prefix=f"goals-{i}") for i in range(goal_total)]
            actions = [PlanActionForm(data, prefix=f"actions-{j}") for j in range(action_total)]
            by_goal: dict[int, list[PlanActionForm]] = {}
            for form in actions:
                by_goal.setdefault(_int(data.get(form.add_prefix("goal"))), []).append(form)
            self.goals = [(form, by_goal.get(i + 1, [])) for i, form in enumerate(goal_forms)]
        else:
            self.goals = self._unbound(goals or [{"text": "", "actions": [{}]}])
        self._kept: list[tuple[PlanGoalForm, list[PlanActionForm]]] = []

    @staticmethod
    def _unbound(goals: list[dict]) -> list:
        """Unbound rows from initial values ({"text", "actions": [initial, ...]}), numbered in order."""
        rows, j = [], 0
        for i, goal in enumerate(goals[:MAX_PLAN_GOALS]):
            goal_form = PlanGoalForm(prefix=f"goals-{i}", initial={"text": goal.get("text", "")})
            action_forms = []
            for action in goal.get("actions", []):
                if j >= MAX_PLAN_ACTIONS:
                    break
                initial = {"who": PlanActor.AGENCY, **action, "goal": i + 1}
                action_forms.append(PlanActionForm(prefix=f"actions-{j}", initial=initial))
                j += 1
            rows.append((goal_form, action_forms))
        return rows

    @classmethod
    def from_plan(cls, plan) -> PlanSheet:
        """A new plan version starts as a copy of the plan in force: its wishes, goals, review date and every
        action (a new plan date; the meeting and the person's agreement are new ones). No plan: blank."""
        if plan is None:
            return cls()
        goals = [
            {"text": goal.text, "actions": [*map(_action_initial, goal.actions.all()), {}]}
            for goal in plan.goals.all()
        ]
        loose = [_action_initial(action) for action in plan.loose_roles()]
        if loose:  # actions of a plan from before goals: offered under a goal still to be written
            goals.append({"text": "", "actions": [*loose, {}]})
        return cls(
            plan_initial={name: getattr(plan, name) for name in PLAN_COPIED_FIELDS},
            goals=goals or None,
        )

    @classmethod
    def with_more_rows(cls, data, *, add_goal: bool = False, add_action_to: int | None = None) -> PlanSheet:
        """The typed plan back as unbound forms — so nothing is reported as an error yet — with removed
        goals and actions left out, and a blank goal (add_goal) or a blank action under goal
        `add_action_to` (1-based) added; blank rows already there stay (a press always shows one more)."""
        header = PlanForm()
        plan_initial = {name: data.get(header.add_prefix(name), "") for name in header.fields}
        goal_total = _count(data, "goals-TOTAL", MAX_PLAN_GOALS)
        action_total = _count(data, "actions-TOTAL", MAX_PLAN_ACTIONS)
        actions: dict[int, list[dict]] = {}
        for j in range(action_total):
            if data.get(f"actions-{j}-remove"):
                continue
            row = {name: data.get(f"actions-{j}-{name}", "") for name in ACTION_FIELDS}
            actions.setdefault(_int(data.get(f"actions-{j}-goal")), []).append(row)
        goals = []
        for i in range(goal_total):
            if data.get(f"goals-{i}-remove"):
                continue
            rows = actions.get(i + 1, [])
            if add_action_to == i + 1 or not rows:
                rows.append({})
            goals.append({"text": data.get(f"goals-{i}-text", ""), "actions": rows})
        if add_goal or not goals:
            goals.append({"text": "", "actions": [{}]})
        return cls(plan_initial=plan_initial, goals=goals)

    def goal_rows(self) -> list[tuple[int, PlanGoalForm, list[PlanActionForm]]]:
        return [(i + 1, goal, actions) for i, (goal, actions) in enumerate(self.goals)]

    @property
    def goal_total(self) -> int:
        return len(self.goals)

    @property
    def action_total(self) -> int:
        return sum(len(actions) for _goal, actions in self.goals)

    def forms(self) -> list[forms.Form]:
        return [self.header] + [f for goal, actions in self.goals for f in (goal, *actions)]

    def is_valid(self) -> bool:
        valid = all([form.is_valid() for form in self.forms()])  # every form checked, errors on each
        if not valid:
            return False
        self._kept = []
        for goal, actions in self.goals:
            if goal.cleaned_data.get("remove"):
                continue
            kept = [a for a in actions if not a.cleaned_data.get("remove") and not a.is_blank()]
            if not goal.cleaned_data.get("text", "").strip() and not kept:
                continue  # a blank goal with no action: skipped
            self._kept.append((goal, kept))
        return True

    def plan_fields(self) -> dict:
        return self.header.cleaned_data

    def drafts(self) -> list[services.PlanGoalDraft]:
        return [
            services.PlanGoalDraft(text=goal.cleaned_data["text"], actions=[a.as_action() for a in actions])
            for goal, actions in self._kept
        ]

    def apply_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            apply_service_errors(self.header, error)
            return
        for key, messages in error.message_dict.items():
            form, field = self._form_for(key)
            for message in messages:
                form.add_error(field if field in form.fields else None, message)

    def _form_for(self, key: str) -> tuple[forms.Form, str | None]:
        parts = key.split(".")
        try:
            if parts[0] == "goals" and len(parts) == 3:
                return self._kept[int(parts[1])][0], parts[2]
            if parts[0] == "goals" and len(parts) == 5:
                return self._kept[int(parts[1])][1][int(parts[3])], parts[4]
        except (IndexError, ValueError):
            pass
        return self.header, key if key in self.header.fields else None

    def has_errors(self) -> bool:
        return any(form.errors for form in self.forms() if form.is_bound)


def _action_initial(action) -> dict:
    return {
        "who": action.who,
        "agency": action.agency_id,
        "support": action.support,
        "frequency": action.frequency,
        "by_when": action.by_when,
    }


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _count(data, name: str, most: int) -> int:
    return max(0, min(_int(data.get(name)), most))


# --- evaluation (評価シート) ---------------------------------------------------------------------------


class PlanEvaluationForm(UIForm):
    """評価: per goal a result and a comment, the decision, and what the decision needs (the next review
    date to continue, the 終結理由 to close). The rules are the service's; this form checks shapes."""

    evaluated_on = forms.DateField(label=_("Evaluation date"), widget=DateInput())
    decision = forms.ChoiceField(
        label=_("Decision"), choices=EvaluationDecision.choices, widget=forms.RadioSelect
    )
    next_review_on = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=DateInput(),
        help_text=_("To continue the plan."),
    )
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"),
        required=False,
        choices=_blank("—") + ClosureReason.choices,
        help_text=_("To close the case."),
    )
    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=services.PLAN_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluated_on"].initial = timezone.localdate
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal-{goal.pk}-result"] = forms.ChoiceField(
                label=_("Result"),
                choices=GoalResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a result for this goal.")},
            )
            self.fields[f"goal-{goal.pk}-comment"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=services.PLAN_TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def goal_rows(self) -> list[tuple]:
        return [
            (goal, self[f"goal-{goal.pk}-result"], self[f"goal-{goal.pk}-comment"]) for goal in self.goals
        ]

    def results(self) -> list[services.GoalAssessment]:
        return [
            services.GoalAssessment(
                goal_id=goal.pk,
                result=self.cleaned_data[f"goal-{goal.pk}-result"],
                comment=self.cleaned_data[f"goal-{goal.pk}-comment"],
            )
            for goal in self.goals
        ]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "evaluated_on": data["evaluated_on"],
            "decision": data["decision"],
            "next_review_on": data.get("next_review_on"),
            "closure_reason": data.get("closure_reason", ""),
            "comment": data.get("comment", ""),
            "results": self.results(),
        }

    def apply_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            by_order = {str(goal.order): goal for goal in self.goals}
            for key, messages in error.message_dict.items():
                target = key if key in self.fields else None
                if key.startswith("results.") and key[8:] in by_order:
                    target = f"goal-{by_order[key[8:]].pk}-result"
                for message in messages:
                    self.add_error(target, message)
        else:
            apply_service_errors(self, error)


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


def note_rule_help() -> str:
    """Says which kinds need a note; the rule itself is the service's (services.note_required)."""

    def labels(kinds):
        return "、".join(str(ActivityKind(kind).label) for kind in kinds)

    return _("Needed for %(required)s. May be left empty for %(optional)s.") % {
        "required": labels(services.NOTE_REQUIRED_KINDS),
        "optional": labels(k for k in ActivityKind if k in services.NOTE_OPTIONAL_KINDS),
    }


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
        self.fields["note"].help_text = note_rule_help()

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
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ConsentScope.choices,
        initial=ConsentScope.SUMMARY,
        required=False,  # not chosen: the narrower scope
        help_text=_(
            "Summary: the household name, issues, status, the plan's roles and the agency's own "
            "activities. Everything: also address, phone, members and every note."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "consent")
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = timezone.localdate

    def to_service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "agencies": list(data["agencies"]),
            "given_on": data["given_on"],
            "scope": data["scope"] or ConsentScope.SUMMARY,
        }


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
        """The name colleagues read, with its kana to tell two namesakes apart (never the login name
        while a name is set)."""
        kana = obj.display_name_kana
        return f"{obj.display_name}（{kana}）" if kana else obj.display_name


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


# --- support meeting records (支援会議, 重層的支援会議, ケース会議) -------------------------------------


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Staff by their names as colleagues know them (the login name only for someone without one)."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.last_name} {obj.first_name}".strip() or obj.get_username()


class MeetingForm(UIForm):
    """The meeting's header: kind, area team, date, who took part, the next date."""

    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=[("", "---------"), *MeetingKind.choices])
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=None, help_text=_("The area team that held the meeting.")
    )
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    agencies = AgencyMultipleChoiceField(
        label=_("Participating agencies"), error_messages={"required": AGENCIES_REQUIRED}
    )
    staff = StaffMultipleChoiceField(
        label=_("Participating staff"),
        queryset=None,
        required=False,
        help_text=_("Staff of the area team or of a participating agency."),
    )
    next_meeting_on = forms.DateField(label=_("Next meeting on"), required=False, widget=DateInput())
    confidentiality_acknowledged = forms.BooleanField(
        label=_("For a 支援会議: the members know they are bound by the duty of confidentiality (守秘義務)."),
        required=False,
    )

    def __init__(self, *args, user, staff_choices, editing: bool = False, **kwargs):
        kwargs.setdefault("prefix", "meeting")
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_of(user=user)
        self.fields["staff"].queryset = staff_choices
        if editing:  # the area team that held the meeting does not change
            del self.fields["area"]
        else:
            self.fields["held_on"].initial = timezone.localdate

    def to_service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["agencies"], data["staff"] = list(data["agencies"]), list(data["staff"])
        return data


class DiscussionForm(UIForm):
    """One discussed case: its number, what was decided, and who does what."""

    number = forms.CharField(
        label=_("Case number"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "2025-0012"}),
    )
    decisions = forms.CharField(
        label=_("Decisions"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    roles = forms.CharField(
        label=_("Split of roles"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Which agency or staff does what, until when."),
    )

    def clean_number(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["number"]).replace("−", "-").strip()

    def clean(self):
        data = super().clean()
        if not data.get("number") and (data.get("decisions") or data.get("roles")):
            self.add_error("number", _("Give the number of the case this is about."))
        return data


DiscussionFormSet = forms.formset_factory(DiscussionForm, extra=2, max_num=30, validate_max=True)


def discussion_formset(data=None, initial=None) -> forms.BaseFormSet:
    return DiscussionFormSet(data, initial=initial, prefix="cases")


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
