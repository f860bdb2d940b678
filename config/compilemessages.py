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


def _parse_block(lines: list[str]) -> dict[str, str]:
    entry: dict[str, str] = {}
    current = None
    for line in lines:
        if line.startswith("#"):
            continue
        if line.startswith('"') and current:
            entry[current] += _unquote(line)
        else:
            current, _, rest = line.partition(" ")
            entry[current] = _unquote(rest)
    return entry


def parse_po(path: Path) -> dict[str, str]:
    """msgid → msgstr, skipping fuzzy and untranslated entries. Plural entries become
    "singular\0plural" → "form0\0form1…", as GNU .mo files store them."""
    messages: dict[str, str] = {}
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for block in blocks:
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if any(line.startswith("#,") and "fuzzy" in line for line in lines):
            continue
        entry = _parse_block(lines)
        if "msgid" not in entry:
            continue
        if "msgid_plural" in entry:
            forms = sorted((k for k in entry if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))
            key, value = entry["msgid"] + "\0" + entry["msgid_plural"], "\0".join(entry[k] for k in forms)
        else:
            key, value = entry["msgid"], entry.get("msgstr", "")
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
