"""Fill zh_CN translations from JSON batches {"msgid": "译文"}; used while writing catalogs by hand.

Usage: python scripts/po_fill.py BATCH.json [BATCH.json ...]   (then commit translations/zh_Hans_CN/.../messages.po)
       python scripts/po_fill.py --check BATCH.json [...]      (only look for conflicts; writes nothing)

A msgid that needs another wording in one place carries a context there (``pgettext("calendar view", "Month")``);
its batch key is the context, U+0004 and the msgid, as in a compiled catalog: ``"calendar view\\u0004Month"``.

All batches are read before anything is written: a key two batches translate differently is refused (exit 1,
catalog untouched). It used to be filled from whichever batch came last in the file order, so a feature's
wording silently replaced another's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "translations/zh_Hans_CN/LC_MESSAGES/messages.po"
CONTEXT_SEP = "\x04"


def read_batches(paths: Iterable[str | Path]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The batches as one table {key: 译文}, and the keys translated differently: {key: {batch: 译文}}."""
    table: dict[str, str] = {}
    origin: dict[str, str] = {}
    conflicts: dict[str, dict[str, str]] = {}
    for path in paths:
        name = Path(path).name
        for key, text in json.loads(Path(path).read_text(encoding="utf-8")).items():
            if key in table and table[key] != text:
                conflicts.setdefault(key, {origin[key]: table[key]})[name] = text
            else:
                table.setdefault(key, text)
                origin.setdefault(key, name)
    return table, conflicts


def key_of(message) -> str:
    return f"{message.context}{CONTEXT_SEP}{message.id}" if message.context else message.id


def report_conflicts(conflicts: dict[str, dict[str, str]]) -> None:
    print("conflicting translations (give the places distinct msgids or a pgettext context):", file=sys.stderr)
    for key, versions in conflicts.items():
        shown = "; ".join(f"{batch}: {text}" for batch, text in versions.items())
        print(f"  {json.dumps(key, ensure_ascii=False)} -> {shown}", file=sys.stderr)


def fill(po: Path, paths: Iterable[str | Path], *, check_only: bool = False) -> int:
    table, conflicts = read_batches(paths)
    if conflicts:
        report_conflicts(conflicts)
        return 1
    if check_only:
        return 0
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    catalog.fuzzy = False
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and key_of(message) in table:
            message.string = table[key_of(message)]
            message.flags.discard("fuzzy")
            filled += 1
    with po.open("wb") as fh:
        write_po(fh, catalog, width=110)
    missing = [key_of(m) for m in catalog if m.id and not m.string]
    print(f"filled {filled}; still missing {len(missing)}")
    for m in missing:
        print("  ", json.dumps(m, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    check = args[:1] == ["--check"]
    batches = args[1:] if check else args
    if not batches:
        sys.exit(__doc__)
    sys.exit(fill(PO, batches, check_only=check))
