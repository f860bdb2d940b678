"""Compile locale/*/LC_MESSAGES/*.po to .mo without needing GNU gettext installed.

`make demo` and `make test` run this so a fresh machine with only Python works; with msgfmt present
`manage.py compilemessages` gives the same result.
"""

import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


# GNU gettext joins a message's context and its id with EOT in the compiled catalog (pgettext's key).
CONTEXT_SEPARATOR = "\x04"


def _entries(path: Path) -> list[tuple[dict[str, str], bool]]:
    """Every entry of a .po file as (fields, fuzzy), read line by line as msgfmt does: an entry starts at
    its first comment or keyword after the previous entry's msgstr, blank line or not."""
    entries: list[tuple[dict[str, str], bool]] = []
    entry: dict[str, str] = {}
    fuzzy = False
    current = None

    def finish():
        nonlocal entry, fuzzy, current
        if "msgid" in entry:
            entries.append((entry, fuzzy))
        entry, fuzzy, current = {}, False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if current is not None and current.startswith("msgstr"):
                finish()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if line.startswith('"'):
            if current:
                entry[current] += _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and current is not None and current.startswith("msgstr"):
            finish()
        current = keyword
        entry[keyword] = _unquote(rest)
    finish()
    return entries


def message_key(entry: dict[str, str]) -> str:
    """The key a compiled catalog stores the entry under: "ctxt\x04id", plurals as "singular\0plural"."""
    key = entry["msgid"]
    if "msgid_plural" in entry:
        key += "\0" + entry["msgid_plural"]
    if "msgctxt" in entry:
        key = entry["msgctxt"] + CONTEXT_SEPARATOR + key
    return key


def message_ids(path: Path) -> set[str]:
    """The keys of every entry of a .po or .pot file, translated or not (the header excluded)."""
    return {message_key(entry) for entry, _fuzzy in _entries(path) if entry["msgid"]}


def parse_po(path: Path) -> dict[str, str]:
    """key → msgstr, skipping fuzzy and untranslated entries. Plural entries become
    "singular\0plural" → "form0\0form1…", as GNU .mo files store them."""
    messages: dict[str, str] = {}
    for entry, fuzzy in _entries(path):
        if fuzzy:
            continue
        if "msgid_plural" in entry:
            forms = sorted((k for k in entry if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))
            value = "\0".join(entry[k] for k in forms)
        else:
            value = entry.get("msgstr", "")
        key = message_key(entry)
        if value.strip("\0") or key == "":
            messages[key] = value
    return messages


def write_mo(messages: dict[str, str], path: Path) -> None:
    keys = sorted(messages)
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        k, v = key.encode(), messages[key].encode()
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\0"
        strs += v + b"\0"
    n = len(keys)
    key_start = 7 * 4 + 16 * n
    value_start = key_start + len(ids)
    table = []
    for key_offset, key_len, _value_offset, _value_len in offsets:
        table += [key_len, key_offset + key_start]
    for _key_offset, _key_len, value_offset, value_len in offsets:
        table += [value_len, value_offset + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    path.write_bytes(header + struct.pack(f"{len(table)}i", *table) + ids + strs)


def main() -> int:
    for po in [*ROOT.glob("locale/*/LC_MESSAGES/*.po"), *ROOT.glob("*/locale/*/LC_MESSAGES/*.po")]:
        write_mo(parse_po(po), po.with_suffix(".mo"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
