"""Geography, agencies and staff: editable master data, never hard-coded choices."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff account. What it may see comes from its memberships (area team or agency).

    Colleagues read a staff member by name: family name (`last_name`) and given name (`first_name`), with
    their kana. The login name (`username`) is an account identifier, shown as a name only while no name
    is set. Staff names are work identities, not personal data of the people supported: not encrypted.
    """

    # db_default: rows written by code that predates these columns (a rolling deploy, an old migration's
    # state) still insert.
    family_name_kana = models.CharField(
        _("family name (kana)"), max_length=150, blank=True, default="", db_default=""
    )
    given_name_kana = models.CharField(
        _("given name (kana)"), max_length=150, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    @property
    def display_name(self) -> str:
        """Family name first (田中 優子), as colleagues know them; the login name only if no name is set."""
        return f"{self.last_name} {self.first_name}".strip() or self.get_username()

    @property
    def display_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()


class Area(models.Model):
    """One of the four coordinating areas (調整エリア), coordinated by a community centre."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    coordinating_centre = models.ForeignKey(
        "Agency",
        verbose_name=_("coordinating centre"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_areas",
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("coordinating area")
        verbose_name_plural = _("coordinating areas")

    def __str__(self) -> str:
        return self.name


class CommunityArea(models.Model):
    """コミュニティエリア: about twenty, each inside one coordinating area."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="community_areas"
    )

    class Meta:
        ordering = ["area__sort_order", "code"]
        verbose_name = _("community area")
        verbose_name_plural = _("community areas")

    def __str__(self) -> str:
        return self.name


class AgencyKind(models.TextChoices):
    COMMUNITY_CENTRE = "community_centre", _("地域いきいきセンター")
    COMPREHENSIVE_CARE = "comprehensive_care", _("地域包括支援センター")
    DISABILITY = "disability", _("障害者相談支援")
    CHILD_FAMILY = "child_family", _("子ども・家庭支援")
    SELF_RELIANCE = "self_reliance", _("生活困窮者自立支援")
    SOCIAL_WELFARE_CORP = "social_welfare_corp", _("社会福祉法人")
    CITY_OFFICE = "city_office", _("市役所")
    COUNCIL = "council", _("社会福祉協議会")
    OTHER = "other", _("その他")


class Agency(models.Model):
    """A partner agency (相談支援機関) or centre; `area` null means city-wide."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    reading = models.CharField(
        _("reading (kana)"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("How the name is read, in kana."),
    )
    aliases = models.CharField(
        _("aliases"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("Other names staff type for it, separated by spaces or commas (e.g. ほうかつ 社協)."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="agencies"
    )
    commissioned_by_city = models.BooleanField(_("commissioned by the city"), default=False)
    is_centre = models.BooleanField(_("community centre"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.replace("、", ",").replace(",", " ").split() if a]


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("相談員")
    COORDINATOR = "coordinator", _("エリアコーディネーター")
    AGENCY = "agency", _("連携機関職員")
    MANAGER = "manager", _("管理者")
    AUDITOR = "auditor", _("監査担当")


class Membership(models.Model):
    """A staff member's place in the network: an area team or an agency, with a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area", "agency"], name="membership_unique"),
            models.CheckConstraint(
                name="membership_team_matches_role",
                condition=(
                    models.Q(role__in=["caseworker", "coordinator"], area__isnull=False, agency__isnull=True)
                    | models.Q(role="agency", agency__isnull=False, area__isnull=True)
                    | models.Q(role__in=["manager", "auditor"], area__isnull=True, agency__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area or self.agency or ''}"


class NetworkMeeting(models.Model):
    """分野を超えた社会福祉法人の連携の場: a cross-field meeting of social welfare corporations.

    An indicator of the plan (meetings held per fiscal year). Holds no personal data: network sits below
    casework and has no encrypted fields, so the minutes must never name a person or a household.
    """

    held_on = models.DateField(_("held on"))
    theme = models.CharField(_("theme"), max_length=200)
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("participating agencies"), related_name="network_meetings", blank=True
    )
    minutes = models.TextField(
        _("minutes"),
        blank=True,
        help_text=_("Stored unencrypted: never write personal data (names, households, addresses) here."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("network meeting")
        verbose_name_plural = _("network meetings")
        indexes = [models.Index(fields=["held_on"], name="network_meeting_held_on")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.theme}"
