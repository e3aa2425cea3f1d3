"""Chinese is complete and the default; English is available; no untranslated string reaches a page."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _catalog(locale: str):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


def test_chinese_catalog_is_complete_and_not_fuzzy():
    catalog = _catalog("zh_Hans_CN")
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def _strings_in_code() -> set[tuple[str, str | None]]:
    """Extract (msgid, context) from the source now, so a string added without a translation fails here (a
    pgettext string is its own catalog entry: the plain msgid's translation does not cover it)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract

    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    files = [(p, "python") for p in ROOT.glob("*.py")]
    for sub in ("blueprints", "operations", "models", "demo", "rules", "openapi"):
        files += [(p, "python") for p in (ROOT / sub).rglob("*.py")]
    files += [(p, "jinja2") for p in (ROOT / "templates").rglob("*.html")]
    found: set[tuple[str, str | None]] = set()
    for path, method in files:
        with path.open("rb") as fh:
            for _line, message, _comments, context in extract(method, fh, keywords=keywords):
                found.add((message if isinstance(message, str) else message[0], context))
    return {(m, c) for m, c in found if m}


def test_catalog_covers_every_string_in_the_code():
    catalog = _catalog("zh_Hans_CN")
    strings = _strings_in_code()
    assert ("Month", "calendar view") in strings  # contexts are extracted, so the check below sees them
    missing = sorted((m, c or "") for m, c in strings
                     if catalog.get(m, context=c) is None or not catalog.get(m, context=c).string)
    assert missing == []


def test_placeholders_survive_translation():
    import re

    for m in _catalog("zh_Hans_CN"):
        if m.id and isinstance(m.id, str):
            assert set(re.findall(r"%\(\w+\)s", m.id)) == set(re.findall(r"%\(\w+\)s", m.string)), m.id


def test_english_catalog_exists(app):
    assert (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po").exists()
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"


def _compile_into(directory: str) -> int:
    from pathlib import Path

    from i18n import compile_catalogs

    return len(compile_catalogs(Path(directory)))


def test_workers_compiling_side_by_side_on_a_fresh_clone_do_not_collide(tmp_path):
    # A fresh clone has no .mo: every xdist or gunicorn worker compiles at start-up at the same moment.
    import shutil
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path

    from i18n import TRANSLATIONS

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        target = tmp_path / po.relative_to(TRANSLATIONS)
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
    with ProcessPoolExecutor(4) as pool:
        for _ in range(5):
            for mo in tmp_path.glob("*/LC_MESSAGES/messages.mo"):
                mo.unlink()
            list(pool.map(_compile_into, [str(tmp_path)] * 8))
            assert sorted(p.name for p in tmp_path.glob("*/LC_MESSAGES/*")) == ["messages.mo"] * 2 + ["messages.po"] * 2
    assert not list(Path(tmp_path).rglob("*.tmp"))
