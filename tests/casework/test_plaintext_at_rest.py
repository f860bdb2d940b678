"""Read the raw rows with SQL, not the ORM: no synthetic personal value may appear in plaintext."""

import datetime

from django.apps import apps
from django.db import connection

from casework import services
from tests import factories

SECRETS = {
    "name": "架空世帯名ゆずりは",
    "kana": "カクウセタイメイユズリハ",
    "phone": "099-8765-4321",
    "address": "架空市ゆずりは町9-9-9",
    "note": "家庭訪問で聞き取ったゆずりは固有の経過メモ",
    "member": "架空みずなら",
    "member_kana": "カクウミズナラ",
    "goal": "ゆずりは長期目標テキスト",
    "wishes": "ゆずりは本人の希望",
}


def _all_text_in_database() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            columns = [f.column for f in model._meta.concrete_fields]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)


def test_no_personal_value_is_stored_in_plaintext(caseworker, area, agency):
    case = factories.make_case(
        by=caseworker,
        area=area,
        name=SECRETS["name"],
        kana=SECRETS["kana"],
        phone=SECRETS["phone"],
        address=SECRETS["address"],
        wishes=SECRETS["wishes"],
    )
    services.member_add(
        case=case,
        added_by=caseworker,
        name=SECRETS["member"],
        name_kana=SECRETS["member_kana"],
        relationship="self",
        birth_date=datetime.date(1950, 1, 23),
        phone=SECRETS["phone"],
    )
    services.plan_create(
        case=case,
        created_by=caseworker,
        long_term_goal=SECRETS["goal"],
        wishes=SECRETS["wishes"],
        roles=[(agency, SECRETS["goal"], "週1回")],
    )
    activity = factories.log_activity(case, by=caseworker, agencies=[agency], note=SECRETS["note"])
    services.activity_edit(activity=activity, edited_by=caseworker, note=SECRETS["note"] + "（訂正）")

    dump = _all_text_in_database()

    assert case.number in dump  # the dump really contains the case's rows
    for label, value in SECRETS.items():
        assert value not in dump, f"{label} stored in plaintext"
    # Japanese fragments cannot occur by chance in base64 ciphertext; short digit runs could.
    for fragment in ("ゆずりは", "みずなら", "ユズリハ", "1950-01-23"):
        assert fragment not in dump
