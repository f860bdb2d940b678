"""Staff display names: family and given name with kana; the login name only while no name is set."""

import pytest
from django.core.management import call_command
from django.template import Context, Template

from network.models import User
from tests import factories


def render(user) -> str:
    return Template("{% load casework_ui %}{{ user|display_name }}").render(Context({"user": user}))


def test_display_name_is_family_then_given_name(db):
    user = factories.make_staff("cw_1")
    user.last_name, user.first_name = "田中", "優子"
    user.family_name_kana, user.given_name_kana = "タナカ", "ユウコ"
    assert render(user) == "田中 優子"
    assert user.display_name_kana == "タナカ ユウコ"


def test_falls_back_to_the_login_name_only_without_a_name(db):
    assert render(factories.make_staff("cw_2")) == "cw_2"


def test_create_staff_sets_the_names(db):
    factories.make_area("north")
    call_command(
        "create_staff",
        "cw_named",
        password="a-long-passphrase-9",
        role="caseworker",
        area="north",
        family_name="佐藤",
        given_name="花子",
        family_name_kana="サトウ",
        given_name_kana="ハナコ",
    )
    user = User.objects.get(username="cw_named")
    assert (user.display_name, user.display_name_kana) == ("佐藤 花子", "サトウ ハナコ")
    # run again without names: the names are kept
    call_command("create_staff", "cw_named", password="a-long-passphrase-9", role="caseworker", area="north")
    assert User.objects.get(username="cw_named").display_name == "佐藤 花子"


@pytest.mark.parametrize("path_suffix", [""])
def test_the_header_and_timeline_show_the_name_not_the_login(client, caseworker, case, path_suffix):
    caseworker.last_name, caseworker.first_name = "田中", "優子"
    caseworker.save()
    factories.log_activity(case, by=caseworker)
    client.force_login(caseworker)
    body = client.get(f"/cases/{case.pk}/{path_suffix}").content.decode()
    assert "田中 優子" in body
    assert ">cw_north<" not in body


def test_auditor_log_shows_the_actors_name(caseworker, case):
    caseworker.last_name, caseworker.first_name = "田中", "優子"
    caseworker.save()
    auditor = factories.make_staff("auditor_1", role="auditor")
    client = factories.verified_client(auditor)
    body = client.get("/audit/").content.decode()
    assert "田中 優子" in body
