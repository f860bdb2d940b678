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
