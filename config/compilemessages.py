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


def parse_po(path: Path) -> dict[str, str]:
    messages: dict[str, str] = {}
    msgid = msgstr = None
    section = None
    fuzzy = False
    entry_fuzzy = False

    def flush():
        if msgid is not None and msgstr is not None and (msgstr or msgid == "") and not entry_fuzzy:
            messages[msgid] = msgstr

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("msgid "):
            flush()
            entry_fuzzy, fuzzy = fuzzy, False
            msgid, msgstr, section = _unquote(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, section = _unquote(line[7:]), "str"
        elif line.startswith('"'):
            if section == "id":
                msgid += _unquote(line)
            elif section == "str":
                msgstr += _unquote(line)
    flush()
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
    for o1, l1, o2, l2 in offsets:
        table += [l1, o1 + key_start]
    for o1, l1, o2, l2 in offsets:
        table += [l2, o2 + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    path.write_bytes(header + struct.pack(f"{len(table)}i", *table) + ids + strs)


def main() -> int:
    for po in ROOT.glob("locale/*/LC_MESSAGES/*.po"):
        write_mo(parse_po(po), po.with_suffix(".mo"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
