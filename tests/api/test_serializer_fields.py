"""Serializers whose fields are built once per class still give every instance fields of its own."""

from rest_framework import serializers

from casework.api import ActivitySerializer
from tests import factories


class _BuiltEveryTime(ActivitySerializer):
    """ActivitySerializer with DRF's own get_fields, run on every instance: the reference answer."""

    def get_fields(self):
        return serializers.ModelSerializer.get_fields(self)


def test_each_instance_binds_its_own_copy_of_the_fields(case, caseworker, agency):
    activity = factories.log_activity(case, by=caseworker, agencies=[agency])
    first, second = ActivitySerializer(activity), ActivitySerializer(activity)
    assert first.fields["kind"] is not second.fields["kind"]
    assert first.fields["kind"].parent is first and second.fields["kind"].parent is second
    first.fields.pop("note")  # one instance narrowing its answer leaves the next one whole
    assert "note" in ActivitySerializer(activity).data


def test_the_answer_is_the_one_drf_builds_every_time(case, caseworker, agency):
    activity = factories.log_activity(case, by=caseworker, agencies=[agency], note="本人宅を訪問した。")
    for _ in range(2):  # the first builds the fields, the second copies them
        assert ActivitySerializer(activity).data == _BuiltEveryTime(activity).data
    assert list(ActivitySerializer(activity).data) == ActivitySerializer.Meta.fields


def test_a_body_serializer_built_once_validates_each_body_on_its_own(agency):
    """ActivityCreateSerializer's fields are copied, not rebuilt: each instance's list field and its child
    belong to that instance (their context is its context), and one body's errors never reach the next."""
    from casework.api import ActivityCreateSerializer

    bad = ActivityCreateSerializer(data={"occurred_at": "2025-01-05T10:00:00", "kind": "nap", "minutes": -1})
    good = ActivityCreateSerializer(
        data={"occurred_at": "2025-01-05T10:00:00+09:00", "kind": "visit", "partner_agencies": [agency.code]},
        context={"marker": 1},
    )
    assert not bad.is_valid()
    assert set(bad.errors) == {"occurred_at", "kind", "minutes"}
    assert good.is_valid(), good.errors
    assert good.validated_data["partner_agencies"] == [agency]
    partners = good.fields["partner_agencies"]
    assert partners is not bad.fields["partner_agencies"]
    assert partners.child is not bad.fields["partner_agencies"].child
    assert partners.child.parent is partners and partners.parent is good
    assert partners.child.context == {"marker": 1}
    again = ActivityCreateSerializer(data={"occurred_at": "2025-01-05T10:00:00+09:00", "kind": "visit"})
    assert again.is_valid(), again.errors
    assert again.validated_data == {
        "occurred_at": again.validated_data["occurred_at"],
        "kind": "visit",
        "minutes": 0,
        "partner_agencies": [],
        "note": "",
    }
