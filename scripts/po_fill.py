"""Fill zh_CN translations from a JSON object {"msgid": "译文"}; used while writing catalogs by hand.

Usage: python scripts/po_fill.py translations-batch.json   (then commit translations/zh_Hans_CN/.../messages.po)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def main(path: str) -> int:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    catalog.fuzzy = False
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=110)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"filled {filled}; still missing {len(missing)}")
    for m in missing:
        print("  ", json.dumps(m, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
