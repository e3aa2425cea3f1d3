#!/usr/bin/env bash
# Rebuild the catalogs after a merge: re-extract the strings, then fill Chinese from every pending batch
# (translations/pending/*.json, the source of truth while features are built in parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
make i18n >/dev/null 2>&1
for batch in translations/pending/*.json; do
  echo "$batch: $(.venv/bin/python scripts/po_fill.py "$batch" | head -1)"
done
.venv/bin/python scripts/po_fill.py <(echo '{}')
