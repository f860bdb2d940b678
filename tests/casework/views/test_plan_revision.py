"""A plan revision starts as a copy of the plan in force, with as many role rows as needed (no JavaScript
needed: an "add a row" button and a "remove" box per row)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import SupportPlan
from tests import factories


def case_url(case):
    return reverse("casework:case_detail", args=[case.pk])


def plan_url(case):
    return reverse("casework:plan_create", args=[case.pk])


@pytest.fixture
def second_agency(db):
    return factories.make_agency("jiritsu", kind="self_reliance")


@pytest.fixture
def plan_in_force(case, caseworker, agency, second_agency):
    return services.plan_create(
        case=case,
        created_by=caseworker,
        created_on=timezone.localdate() - datetime.timedelta(days=30),
        wishes="家で暮らしたい",
        long_term_goal="地域で安心して暮らす",
        short_term_goal="家計を立て直す",
        review_on=timezone.localdate() + datetime.timedelta(days=60),
        decided_at_meeting_on=timezone.localdate() - datetime.timedelta(days=30),
        roles=[(agency, "家計相談", "月1回"), (second_agency, "就労準備", "週1回")],
    )


def rows(body: str) -> list[str]:
    """The role rows of the plan form, as the agency value each one has selected ("" for none)."""
    found = []
    for index in range(int(re.search(r'name="roles-TOTAL_FORMS" value="(\d+)"', body).group(1))):
        select = re.search(rf'<select name="roles-{index}-agency".*?</select>', body, re.S).group(0)
        selected = re.search(r'<option value="([^"]*)" selected>', select)
        found.append(selected.group(1) if selected else "")
    return found


def posted(case_body: str, **changes) -> dict:
    """The plan form as the browser would send it, with `changes` applied."""
    form = case_body[case_body.index('id="plan-form"') :]
    form = form[: form.index("</form>")]
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        if 'type="checkbox"' not in name:
            data[name] = value
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, re.S):
        data[name] = text
    for name, select in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return {**data, **changes}


def test_the_revision_form_starts_as_a_copy_of_the_plan_in_force(
    cw_client, case, plan_in_force, agency, second_agency
):
    body = cw_client.get(case_url(case)).content.decode()
    form = body[body.index('id="plan-form"') :]
    assert "家計を立て直す</textarea>" in form and "地域で安心して暮らす</textarea>" in form
    assert f'name="plan-review_on" value="{plan_in_force.review_on.isoformat()}"' in form
    assert f'name="plan-created_on" value="{timezone.localdate().isoformat()}"' in form  # a new date
    assert rows(body) == [str(agency.pk), str(second_agency.pk), ""]  # both roles, and one blank row
    assert "家計相談</textarea>" in form and 'value="週1回"' in form
    assert "現在のプランの写しから始まります" in body


def test_without_a_plan_the_form_has_one_blank_row(cw_client, case):
    assert rows(cw_client.get(case_url(case)).content.decode()) == [""]


def test_add_a_row_keeps_the_input_and_adds_a_blank_row_without_saving(
    cw_client, case, plan_in_force, agency
):
    body = cw_client.get(case_url(case)).content.decode()
    data = posted(
        body,
        **{
            "plan-short_term_goal": "就労につなぐ",
            "roles-2-agency": agency.pk,
            "roles-2-support": "見守り",
            "add_role": "1",
        },
    )
    response = cw_client.post(plan_url(case), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert SupportPlan.objects.filter(case=case).count() == 1  # nothing saved yet
    assert rows(page) == [str(agency.pk), rows(body)[1], str(agency.pk), ""]
    assert "就労につなぐ</textarea>" in page and "見守り</textarea>" in page
    assert '<details class="form-panel" id="plan-panel" open>' in page
    assert "errorlist" not in page[page.index('id="plan-form"') :].split("</form>")[0]


def test_more_than_three_roles_are_saved(cw_client, case, agency):
    data = posted(cw_client.get(case_url(case)).content.decode(), **{"plan-long_term_goal": "自立"})
    for _ in range(4):
        data["add_role"] = "1"
        index = int(data["roles-TOTAL_FORMS"]) - 1
        data |= {f"roles-{index}-agency": agency.pk, f"roles-{index}-support": f"支援{index}"}
        data = posted(cw_client.post(plan_url(case), data).content.decode())
    data.pop("add_role", None)
    assert cw_client.post(plan_url(case), data).status_code == 302
    plan = SupportPlan.objects.get(case=case)
    assert [role.support for role in plan.roles.order_by("id")] == ["支援0", "支援1", "支援2", "支援3"]


def test_a_removed_row_is_left_out_of_the_new_version(cw_client, case, plan_in_force, agency):
    data = posted(cw_client.get(case_url(case)).content.decode(), **{"roles-1-DELETE": "on"})
    assert cw_client.post(plan_url(case), data).status_code == 302
    revision = SupportPlan.objects.filter(case=case).order_by("-id").first()
    assert revision != plan_in_force
    assert [(r.agency, r.support) for r in revision.roles.all()] == [(agency, "家計相談")]
    assert revision.short_term_goal == "家計を立て直す" and revision.review_on == plan_in_force.review_on
    assert plan_in_force.roles.count() == 2  # the old version is history, untouched


def test_removing_a_row_with_add_a_row_drops_it_from_the_form(cw_client, case, plan_in_force, agency):
    body = cw_client.get(case_url(case)).content.decode()
    page = cw_client.post(
        plan_url(case), posted(body, **{"roles-0-DELETE": "on", "add_role": "1"})
    ).content.decode()
    # the removed row is gone; the blank row stays and one more is added
    assert rows(page) == [rows(body)[1], "", ""]


def test_add_a_row_always_adds_one_even_with_a_blank_row_left(cw_client, case, plan_in_force):
    body = cw_client.get(case_url(case)).content.decode()
    page = cw_client.post(plan_url(case), posted(body, add_role="1")).content.decode()
    assert len(rows(page)) == len(rows(body)) + 1
