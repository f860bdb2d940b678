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
