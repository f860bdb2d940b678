import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from network import services
from network.models import Agency, Area, CommunityArea, Membership, Role, User


@pytest.fixture
def seeded(db):
    services.master_data_seed()


@pytest.mark.parametrize("model", [Area, CommunityArea, Agency, User])
def test_master_data_changelists_load(admin_client, seeded, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    assert admin_client.get(url).status_code == 200


def test_agencies_filter_by_kind_and_area_and_search_by_code(admin_client, seeded):
    url = reverse("admin:network_agency_changelist")
    tanaka = Area.objects.get(code="tanaka")

    by_kind = admin_client.get(url, {"kind__exact": "comprehensive_care", "area__id__exact": tanaka.pk})
    by_search = admin_client.get(url, {"q": "jiritsu"})

    assert list(by_kind.context["cl"].result_list) == [Agency.objects.get(code="houkatsu-tanaka")]
    assert [a.code for a in by_search.context["cl"].result_list] == ["jiritsu-soudan"]


def test_a_centre_is_chosen_among_centres_only(admin_client, seeded):
    area = Area.objects.get(code="tanaka")

    form = admin_client.get(reverse("admin:network_area_change", args=[area.pk])).context["adminform"].form

    assert set(form.fields["coordinating_centre"].queryset) == set(Agency.objects.filter(is_centre=True))


def test_staff_change_page_shows_memberships_inline(admin_client, seeded):
    user = services.staff_create_or_update(
        username="cw", password="correct-horse-9", role=Role.CASEWORKER, area_code="tanaka"
    ).user

    response = admin_client.get(reverse("admin:network_user_change", args=[user.pk]))

    assert response.status_code == 200
    assert any(formset.formset.model is Membership for formset in response.context["inline_admin_formsets"])


def test_editing_memberships_in_the_admin_syncs_groups(admin_client, seeded):
    user = services.staff_create_or_update(
        username="cw", password="correct-horse-9", role=Role.CASEWORKER, area_code="tanaka"
    ).user
    membership = user.memberships.get()
    nanbu = Area.objects.get(code="nanbu")
    url = reverse("admin:network_user_change", args=[user.pk])
    data = {
        "username": "cw",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(membership.pk),
        "memberships-0-user": str(user.pk),
        "memberships-0-role": "coordinator",
        "memberships-0-area": str(nanbu.pk),
        "memberships-0-agency": "",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert set(user.groups.values_list("name", flat=True)) == {"area:nanbu", "role:coordinator"}


def test_no_casework_model_is_in_the_admin():
    """Personal data stays out of the admin (it would bypass the permission filter and the audit)."""
    registered = [
        model for model in apps.get_app_config("casework").get_models() if admin.site.is_registered(model)
    ]

    assert registered == []


def test_staff_list_shows_each_accounts_memberships(admin_client, seeded):
    services.staff_create_or_update(
        username="cw", password="correct-horse-9", role=Role.CASEWORKER, area_code="tanaka"
    )

    response = admin_client.get(reverse("admin:network_user_changelist"))

    assert "(tanaka)" in response.content.decode()


def test_a_saved_agency_code_cannot_be_changed_in_the_admin(admin_client, seeded):
    agency = Agency.objects.get(code="jiritsu-soudan")

    form = (
        admin_client.get(reverse("admin:network_agency_change", args=[agency.pk])).context["adminform"].form
    )

    assert "code" not in form.fields
    assert "code" in admin_client.get(reverse("admin:network_agency_add")).context["adminform"].form.fields
