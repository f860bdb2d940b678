"""Japanese first, English available through Django's set_language."""

from django.urls import reverse

from tests import factories


def test_pages_are_japanese_by_default(cw_client, case):
    body = cw_client.get(reverse("casework:case_list")).content.decode()
    assert '<html lang="ja">' in body
    assert "ケース一覧" in body and "新規受付" in body and "ログアウト" in body


def test_switching_to_english_shows_english(cw_client, caseworker, case):
    factories.log_activity(case, by=caseworker, kind="visit")
    detail = reverse("casework:case_detail", args=[case.pk])
    response = cw_client.post(reverse("set_language"), {"language": "en", "next": detail})
    assert response.status_code == 302
    assert response.url == detail
    body = cw_client.get(detail).content.decode()
    assert '<html lang="en">' in body
    assert "Log an activity" in body and "Household members" in body
    # model choice labels (Japanese msgids) are translated too
    assert "Home visit" in body and "8050 problem" in body and "Intake" in body
    assert "Log out" in body


def test_form_errors_follow_the_language(cw_client, case):
    cw_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = cw_client.post(
        reverse("casework:case_change_status", args=[case.pk]), {"status-status": "closed"}
    )
    assert response.status_code == 400
    assert "Choose why the case is closed" in response.content.decode()


def test_switching_back_to_japanese(cw_client, case):
    cw_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cw_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert "ケース一覧" in cw_client.get(reverse("casework:case_list")).content.decode()


def test_login_page_has_the_language_switch(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "ログイン" in body
    assert 'name="language" value="en"' in body


def test_caseworkers_get_no_audit_log_link(cw_client):
    assert "/audit/" not in cw_client.get(reverse("casework:case_list")).content.decode()


def test_has_role_tag_tells_auditors_apart(caseworker, db):
    from django.template import engines

    from network.models import Role

    template = engines["django"].from_string(
        '{% load casework_ui %}{% has_role user "auditor" as a %}{{ a }}'
    )
    auditor = factories.make_staff("auditor1", role=Role.AUDITOR)
    assert template.render({"user": auditor}) == "True"
    assert template.render({"user": caseworker}) == "False"
