"""Our pure-Python .po compiler must agree with GNU gettext, plurals and fuzzy entries included."""

import gettext

from config.compilemessages import parse_po, write_mo

PO = r"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: x.py:1
msgid "One case"
msgid_plural "%(n)s cases"
msgstr[0] "%(n)s件"

#, fuzzy
msgid "Fuzzy"
msgstr "ファジー"

msgid ""
"Long "
"text"
msgstr "長い"

msgid "Untranslated"
msgstr ""
"""


def test_compiled_catalog_translates_plurals_and_skips_fuzzy(tmp_path):
    po, mo = tmp_path / "django.po", tmp_path / "django.mo"
    po.write_text(PO, encoding="utf-8")
    write_mo(parse_po(po), mo)
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    assert catalog.ngettext("One case", "%(n)s cases", 3) == "%(n)s件"
    assert catalog.gettext("Long text") == "長い"
    assert catalog.gettext("Fuzzy") == "Fuzzy"
    assert catalog.gettext("Untranslated") == "Untranslated"


def test_entries_without_a_blank_line_between_them_are_all_compiled(tmp_path):
    """Hand-appended entries often lack the blank line; msgfmt reads them, so must we."""
    po, mo = tmp_path / "django.po", tmp_path / "django.mo"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Print the record"\nmsgstr "記録を印刷"\n'
        '#: x.py\nmsgid "Edit"\nmsgstr "編集"\n'
        'msgid "Save"\nmsgstr "保存"\n',
        encoding="utf-8",
    )
    write_mo(parse_po(po), mo)
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    translated = [catalog.gettext(m) for m in ("Print the record", "Edit", "Save")]
    assert translated == ["記録を印刷", "編集", "保存"]


def test_entries_with_a_context_are_keyed_as_pgettext_looks_them_up(tmp_path):
    po, mo = tmp_path / "django.po", tmp_path / "django.mo"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "break-glass"\nmsgid "Open the case"\nmsgstr "緊急閲覧する"\n\n'
        'msgid "Open the case"\nmsgstr "ケースを登録する"\n',
        encoding="utf-8",
    )
    write_mo(parse_po(po), mo)
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    assert catalog.pgettext("break-glass", "Open the case") == "緊急閲覧する"
    assert catalog.gettext("Open the case") == "ケースを登録する"
