#!/usr/bin/env bash
# Rebuild the catalogs after a merge: re-extract the strings, then fill Chinese from every pending batch
# (translations/pending/*.json, the source of truth while features are built in parallel). A msgid two batches
# translate differently stops the merge (exit 1) before the catalogs are touched, instead of the later file
# winning.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/po_fill.py --check translations/pending/*.json
make i18n >/dev/null 2>&1
.venv/bin/python scripts/po_fill.py translations/pending/*.json
