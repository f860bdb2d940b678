"""The plan page: a plan revision starts as a copy of the plan in force, goals with their actions; "add a
goal" / "add an action" work without JavaScript (the form comes back, one blank row more, nothing saved);
bad input comes back with the input and Japanese messages."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import SupportPlan
from casework.services import PlanAction, PlanGoalDraft
from tests import factories

TODAY = timezone.localdate()


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
        created_on=TODAY - datetime.timedelta(days=30),
        wishes="家で暮らしたい",
        long_term_goal="地域で安心して暮らす",
        goals=[
            PlanGoalDraft(
                "家計を立て直す",
                [
                    PlanAction(support="家計相談", agency=agency, frequency="月1回"),
                    PlanAction(
                        support="家計簿をつける", who="person", by_when=TODAY + datetime.timedelta(days=30)
                    ),
                ],
            ),
            PlanGoalDraft(
                "働く準備をする", [PlanAction(support="就労準備", agency=second_agency, frequency="週1回")]
            ),
        ],
        review_on=TODAY + datetime.timedelta(days=60),
        decided_at_meeting_on=TODAY - datetime.timedelta(days=30),
        agreed_on=TODAY - datetime.timedelta(days=30),
        agreement_method="signed",
    )


def form_of(body: str) -> str:
    form = body[body.index('id="plan-form"') :]
    return form[: form.index("</form>")]


def posted(body: str, **changes) -> dict:
    """The plan form as the browser would send it (checked boxes only), with `changes` applied."""
    form = form_of(body)
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag or 'type="radio"' in tag:
            if "checked" in tag:
                data[name.group(1)] = value.group(1) if value else "on"
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, re.S):
        data[name] = text
    for name, select in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return {**data, **changes}


def goals_and_actions(body: str) -> list[tuple[str, list[str]]]:
    """Per goal: its text and the `support` of each of its action rows ("" for a blank row)."""
    data = posted(body)
    goals = []
    for i in range(int(data["goals-TOTAL"])):
        actions = [
            data[f"actions-{j}-support"]
            for j in range(int(data["actions-TOTAL"]))
            if data[f"actions-{j}-goal"] == str(i + 1)
        ]
        goals.append((data[f"goals-{i}-text"], actions))
    return goals


def test_the_revision_starts_as_a_copy_of_the_plan_in_force(cw_client, case, plan_in_force, agency):
    response = cw_client.get(plan_url(case))
    body = response.content.decode()
    assert response.status_code == 200
    assert goals_and_actions(body) == [
        ("家計を立て直す", ["家計相談", "家計簿をつける", ""]),
        ("働く準備をする", ["就労準備", ""]),
    ]
    data = posted(body)
    assert data["plan-long_term_goal"] == "地域で安心して暮らす"
    assert data["plan-review_on"] == plan_in_force.review_on.isoformat()
    assert data["plan-created_on"] == TODAY.isoformat()  # a new date
    assert data["plan-agreed_on"] == "" and data["plan-agreement_method"] == ""  # a new agreement
    assert data["actions-0-agency"] == str(agency.pk) and data["actions-1-who"] == "person"
    assert "現在のプランの写しから始まります" in body


def test_without_a_plan_the_form_has_one_goal_with_one_blank_action(cw_client, case):
    assert goals_and_actions(cw_client.get(plan_url(case)).content.decode()) == [("", [""])]


def test_add_an_action_adds_a_blank_row_under_that_goal_and_saves_nothing(cw_client, case, plan_in_force):
    body = cw_client.get(plan_url(case)).content.decode()
    data = posted(
        body, **{"goals-0-text": "家計を安定させる", "actions-2-support": "見守り", "add_action": "2"}
    )
    response = cw_client.post(plan_url(case), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert SupportPlan.objects.filter(case=case).count() == 1  # nothing saved yet
    assert goals_and_actions(page) == [
        ("家計を安定させる", ["家計相談", "家計簿をつける", "見守り"]),
        ("働く準備をする", ["就労準備", "", ""]),
    ]
    assert "errorlist" not in form_of(page)


def test_add_a_goal_and_remove_one(cw_client, case, plan_in_force):
    body = cw_client.get(plan_url(case)).content.decode()
    page = cw_client.post(plan_url(case), posted(body, **{"goals-0-remove": "on", "add_goal": "1"}))
    assert goals_and_actions(page.content.decode()) == [("働く準備をする", ["就労準備", ""]), ("", [""])]


def test_a_revision_with_two_goals_and_a_new_agreement_is_saved(
    cw_client, case, plan_in_force, agency, second_agency
):
    body = cw_client.get(plan_url(case)).content.decode()
    data = posted(
        body,
        **{
            "actions-1-remove": "on",
            "actions-2-who": "caseworker",
            "actions-2-support": "月1回面談",
            "plan-agreed_on": TODAY.isoformat(),
            "plan-agreement_method": "verbal",
            "plan-agreement_note": "電話で確認",
        },
    )
    response = cw_client.post(plan_url(case), data)
    assert response.status_code == 302 and response.url.endswith("#plan")
    revision = SupportPlan.objects.filter(case=case).order_by("-id").first()
    assert revision != plan_in_force
    sheet = [
        (goal.text, [(a.who, a.agency, a.support) for a in goal.actions.order_by("id")])
        for goal in revision.goals.order_by("order")
    ]
    assert sheet == [
        ("家計を立て直す", [("agency", agency, "家計相談"), ("caseworker", None, "月1回面談")]),
        ("働く準備をする", [("agency", second_agency, "就労準備")]),
    ]
    assert (revision.agreed_on, revision.agreement_method, revision.agreement_note) == (
        TODAY,
        "verbal",
        "電話で確認",
    )
    assert plan_in_force.roles.count() == 3  # the old version is history, untouched
    page = cw_client.get(case_url(case)).content.decode()
    assert "短期目標 1" in page and "月1回面談" in page and "口頭で確認" in page and "電話で確認" in page


def test_bad_rows_come_back_with_the_input_and_japanese_messages(cw_client, case, agency):
    body = cw_client.get(plan_url(case)).content.decode()
    data = posted(
        body,
        **{
            "goals-0-text": "家計を立て直す",
            "actions-0-who": "agency",
            "actions-0-support": "家計相談",  # no agency chosen
            "plan-agreed_on": TODAY.isoformat(),  # no method
        },
    )
    response = cw_client.post(plan_url(case), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "担当する機関を選んでください。" in page
    assert "家計を立て直す</textarea>" in page and "家計相談</textarea>" in page
    assert not SupportPlan.objects.exists()


def test_service_errors_land_on_their_row(cw_client, case, agency):
    body = cw_client.get(plan_url(case)).content.decode()
    data = posted(
        body,
        **{
            "goals-0-text": "家計を立て直す",
            "actions-0-agency": str(agency.pk),
            "actions-0-support": "家計相談",
            "actions-0-by_when": (TODAY - datetime.timedelta(days=3)).isoformat(),
            "plan-agreed_on": TODAY.isoformat(),
        },
    )
    page = cw_client.post(plan_url(case), data).content.decode()
    assert "「いつまでに」はプラン作成日より前にはできません。" in page
    assert "本人の同意をどう記録したか選んでください。" in page
    assert not SupportPlan.objects.exists()


def test_a_goal_without_text_but_with_an_action_is_an_error(cw_client, case, agency):
    body = cw_client.get(plan_url(case)).content.decode()
    data = posted(body, **{"actions-0-agency": str(agency.pk), "actions-0-support": "家計相談"})
    response = cw_client.post(plan_url(case), data)
    assert response.status_code == 400
    assert "短期目標を書いてください。" in response.content.decode()


def test_the_plan_page_is_the_case_teams(client, case, other_caseworker, other_area):
    client.force_login(other_caseworker)
    assert client.get(plan_url(case)).status_code == 404  # not even visible
