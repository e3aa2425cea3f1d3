"""scripts/po_fill.py merges the pending translation batches: a msgid two batches translate differently stops
the merge instead of the later file winning (it had: "Follow-up item" read 企业诉求 in the feed that wanted
督办事项), and a pgettext context is filled from its own key."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "po_fill.py"
_spec = importlib.util.spec_from_file_location("po_fill", SCRIPT)
po_fill = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(po_fill)


def batch(directory: Path, name: str, table: dict[str, str]) -> Path:
    path = directory / name
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    return path


def small_catalog(path: Path) -> Path:
    catalog = Catalog(locale="zh_CN")
    catalog.add("Month")
    catalog.add("Month", context="calendar view")
    catalog.add("Week")
    with path.open("wb") as fh:
        write_po(fh, catalog)
    return path


def test_two_batches_translating_one_msgid_differently_conflict(tmp_path):
    a = batch(tmp_path, "meetings.json", {"Month": "月", "Week": "周"})
    b = batch(tmp_path, "qdcore.json", {"Month": "月份", "Week": "周"})
    table, conflicts = po_fill.read_batches([a, b])
    assert conflicts == {"Month": {"meetings.json": "月", "qdcore.json": "月份"}}
    assert table["Week"] == "周"  # the same translation in both is no conflict


def test_a_conflict_stops_the_merge_and_leaves_the_catalog_alone(tmp_path):
    po = small_catalog(tmp_path / "messages.po")
    before = po.read_bytes()
    a = batch(tmp_path, "feeds.json", {"Week": "周", "Month": "月"})
    b = batch(tmp_path, "qdux.json", {"Month": "月份"})
    assert po_fill.fill(po, [a, b]) == 1
    assert po.read_bytes() == before

    run = subprocess.run([sys.executable, str(SCRIPT), "--check", str(a), str(b)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "Month" in run.stderr and "feeds.json: 月" in run.stderr and "qdux.json: 月份" in run.stderr


def test_a_context_is_filled_from_its_own_key(tmp_path):
    po = small_catalog(tmp_path / "messages.po")
    plain = batch(tmp_path, "qdcore.json", {"Month": "月份", "Week": "周"})
    view = batch(tmp_path, "meetings.json", {"calendar view\u0004Month": "月"})
    assert po_fill.fill(po, [plain, view]) == 0
    with po.open("rb") as fh:
        catalog = read_po(fh)
    assert catalog.get("Month").string == "月份"
    assert catalog.get("Month", context="calendar view").string == "月"
    assert catalog.get("Week").string == "周"


def test_the_pending_batches_agree():
    """What scripts/merge_translations.sh reads: no msgid translated two ways across the batches."""
    _table, conflicts = po_fill.read_batches(sorted((ROOT / "translations" / "pending").glob("*.json")))
    assert conflicts == {}
