"""One Django group per area team and per agency: object permissions are granted to these groups."""

from django.contrib.auth.models import Group

from .models import Agency, Area


def area_group_name(area: Area) -> str:
    return f"area:{area.code}"


def agency_group_name(agency: Agency) -> str:
    return f"agency:{agency.code}"


def area_group(area: Area) -> Group:
    return Group.objects.get_or_create(name=area_group_name(area))[0]


def agency_group(agency: Agency) -> Group:
    return Group.objects.get_or_create(name=agency_group_name(agency))[0]
