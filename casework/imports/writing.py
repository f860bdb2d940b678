"""Writing checked ledger rows as ordinary records, through the same inserts as the case and activity
services: numbered in the fiscal year of the opening date, encrypted, search-tokened and audited."""

from __future__ import annotations

from casework import services
from casework.models import Case, CaseStatus
from network.models import Agency, Area

from .checking import ActivityRow, CaseRow


def case_write(row: CaseRow, *, area: Area, imported_by) -> Case:
    fields = {"address": row.address, "phone": row.phone}
    if row.status == CaseStatus.CLOSED:
        fields.update(closed_on=row.closed_on, closure_reason=row.closure_reason)
    case = services.case_insert(
        created_by=imported_by,
        area=area,
        household_name=row.household_name,
        household_name_kana=row.household_name_kana,
        issues=row.issues,
        main_issue=row.main_issue,
        opened_on=row.opened_on,
        status=row.status,
        source_number=row.source_number,
        **fields,
    )
    if row.birth_date:
        # 生年月日 is the person's, not the household's: the ledger's person becomes the case's 本人.
        services.member_insert(
            case=case,
            added_by=imported_by,
            is_focus=True,
            name=row.household_name,
            name_kana=row.household_name_kana,
            birth_date=row.birth_date,
            phone=row.phone,
        )
    return case


def activity_write(row: ActivityRow, *, case: Case, agencies: dict[int, Agency], imported_by):
    return services.activity_insert(
        case=case,
        logged_by=imported_by,
        occurred_at=row.occurred_at,
        kind=row.kind,
        minutes=row.minutes,
        partner_agencies=[agencies[i] for i in row.agency_ids],
        note=row.note,
    )
