"""0014: every activity recorded before it gets its staff as the person who logged it."""

import datetime

import pytest

from tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("casework", "0016_assessments")]
AFTER = [("casework", "0017_activity_logged_by")]


@pytest.mark.django_db(transaction=True)
def test_existing_activities_are_logged_by_their_staff():
    apps = migrate_to(BEFORE)
    try:
        User = apps.get_model("network", "User")
        Area = apps.get_model("network", "Area")
        Case = apps.get_model("casework", "Case")
        Activity = apps.get_model("casework", "Activity")
        area = Area.objects.create(code="mig", name="移行エリア")
        first, second = User.objects.create(username="first"), User.objects.create(username="second")
        case = Case.objects.create(
            number="2024-0001",
            area=area,
            opened_on=datetime.date(2024, 4, 1),
            main_issue="8050",
            household_name="x",
            household_name_kana="x",
            created_by=first,
        )
        when = datetime.datetime(2024, 5, 1, 1, 0, tzinfo=datetime.UTC)
        ids = {
            staff.pk: Activity.objects.create(
                case=case, area=area, occurred_at=when, kind="visit", staff=staff
            ).pk
            for staff in (first, second)
        }

        apps = migrate_to(AFTER)
        Activity = apps.get_model("casework", "Activity")
        assert dict(Activity.objects.values_list("id", "logged_by_id")) == {
            activity: staff for staff, activity in ids.items()
        }
    finally:
        migrate_to_latest()
