from io import StringIO

from django.core.management import call_command

from network.models import Agency, Area, CommunityArea


def _counts():
    return Area.objects.count(), CommunityArea.objects.count(), Agency.objects.count()


def test_seed_master_twice_gives_the_same_rows(db):
    call_command("seed_master", stdout=StringIO())
    first = _counts()

    out = StringIO()
    call_command("seed_master", stdout=out)

    assert _counts() == first
    assert first[0] == 4 and 18 <= first[1] <= 22
    assert "areas: 0 created, 0 updated, 4 unchanged" in out.getvalue()


def test_seed_master_gives_every_area_a_centre(db):
    call_command("seed_master", stdout=StringIO())

    assert not Area.objects.filter(coordinating_centre__isnull=True).exists()
    assert Agency.objects.filter(is_centre=True).count() == 4
