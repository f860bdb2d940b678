from network import master_data, services
from network.models import Agency, AgencyKind, Area, CommunityArea


def _snapshot():
    return (
        sorted(Area.objects.values_list("pk", "code", "name", "coordinating_centre_id")),
        sorted(CommunityArea.objects.values_list("pk", "code", "name", "area_id")),
        sorted(Agency.objects.values_list("pk", "code", "name", "kind", "area_id", "is_centre")),
    )


def test_seed_loads_four_areas_each_with_its_centre(db):
    services.master_data_seed()

    assert Area.objects.count() == 4
    for area in Area.objects.select_related("coordinating_centre"):
        centre = area.coordinating_centre
        assert centre is not None
        assert centre.is_centre and centre.kind == AgencyKind.COMMUNITY_CENTRE and centre.area_id == area.pk


def test_seed_spreads_about_twenty_community_areas_over_all_areas(db):
    services.master_data_seed()

    assert 18 <= CommunityArea.objects.count() <= 22
    assert all(area.community_areas.exists() for area in Area.objects.all())


def test_seed_loads_partner_agencies_of_every_kind(db):
    services.master_data_seed()

    partners = Agency.objects.filter(is_centre=False)
    assert 12 <= partners.count() <= 20
    kinds = set(partners.values_list("kind", flat=True))
    assert {
        AgencyKind.COMPREHENSIVE_CARE,
        AgencyKind.DISABILITY,
        AgencyKind.CHILD_FAMILY,
        AgencyKind.SELF_RELIANCE,
        AgencyKind.SOCIAL_WELFARE_CORP,
        AgencyKind.CITY_OFFICE,
    } <= kinds
    assert partners.filter(commissioned_by_city=True).exists()
    # one 地域包括支援センター per area
    for area in Area.objects.all():
        assert partners.filter(kind=AgencyKind.COMPREHENSIVE_CARE, area=area).count() == 1


def test_seed_names_are_marked_as_demo_placeholders(db):
    services.master_data_seed()

    names = [
        *Area.objects.values_list("name", flat=True),
        *Agency.objects.values_list("name", flat=True),
        *CommunityArea.objects.values_list("name", flat=True),
    ]
    assert all("デモ" in name for name in names)


def test_seeding_twice_keeps_the_same_rows(db):
    services.master_data_seed()
    first = _snapshot()

    report = services.master_data_seed()

    assert _snapshot() == first
    assert all(counts.created == 0 and counts.updated == 0 for counts in report.values())


def test_seeding_again_refreshes_names_changed_since(db):
    services.master_data_seed()
    Area.objects.filter(code="nanbu").update(name="古い名前")
    Agency.objects.filter(code="houkatsu-nanbu").update(name="古い名前")

    report = services.master_data_seed()

    assert Area.objects.get(code="nanbu").name == "南部エリア（デモ）"
    assert Agency.objects.get(code="houkatsu-nanbu").name == "南部地域包括支援センター（デモ）"
    assert report["areas"].updated == 1 and report["agencies"].updated == 1


def test_seeding_keeps_rows_added_or_deactivated_by_managers(db):
    services.master_data_seed()
    extra = Agency.objects.create(code="npo-local", name="地元NPO", kind=AgencyKind.OTHER)
    Agency.objects.filter(code="houjin-aoba").update(is_active=False)

    services.master_data_seed()

    assert Agency.objects.filter(pk=extra.pk).exists()
    assert not Agency.objects.get(code="houjin-aoba").is_active


def test_seeding_restores_a_centre_removed_from_its_area(db):
    services.master_data_seed()
    Area.objects.filter(code="tanaka").update(coordinating_centre=None)

    services.master_data_seed()

    assert Area.objects.get(code="tanaka").coordinating_centre.code == "centre-tanaka"


def test_registered_seeders_run_in_the_same_seed(db, monkeypatch):
    monkeypatch.setattr(services, "_extra_seeders", {})
    calls = []

    def seed_indicators():
        calls.append(Area.objects.count())  # runs after the network's own master data
        return {"indicators": services.SeedCounts(created=3)}

    services.master_data_seeder_register(name="reports", seeder=seed_indicators)
    services.master_data_seeder_register(name="reports", seeder=seed_indicators)  # idempotent registration

    report = services.master_data_seed()

    assert calls == [4]
    assert report["indicators"].created == 3


def test_master_data_codes_are_unique():
    for rows in (master_data.AREAS, master_data.COMMUNITY_AREAS, master_data.AGENCIES):
        codes = [row.code for row in rows]
        assert len(codes) == len(set(codes))
    area_codes = {a.code for a in master_data.AREAS}
    assert {c.area for c in master_data.COMMUNITY_AREAS} <= area_codes
    assert {a.area for a in master_data.AGENCIES if a.area} <= area_codes
