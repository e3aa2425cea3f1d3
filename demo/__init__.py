"""The demo data set (`flask --app app demo`): idempotent, printed logins."""

from __future__ import annotations

import importlib

# Each part exposes load() -> list[str] of lines to print; parts run in order and must be idempotent.
PARTS = ("demo.reference", "demo.quietdays")


def run_demo() -> list[str]:
    lines: list[str] = []
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        lines.extend(module.load())
    return lines
