from casework.models import Case


def test_case_round_trip_decrypts(case):
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.household_name == "架空 太郎"
    assert fresh.number.endswith("-0001")
