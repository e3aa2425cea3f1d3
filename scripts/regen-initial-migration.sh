#!/usr/bin/env bash
# Until the first release is deployed, the schema is one initial migration regenerated from the models.
# After the first deployment, never run this again: add a new revision with `flask db migrate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial_schema.py
DATABASE_URL="sqlite:///$tmp/regen.sqlite3" .venv/bin/flask --app app db migrate -m "initial schema" >/dev/null
f=$(ls migrations/versions/*_initial_schema.py)
mv "$f" migrations/versions/0001_initial_schema.py
sed -i "s/^revision = .*/revision = '0001'/; s/^Revision ID: .*/Revision ID: 0001/; s/^Create Date: .*/Create Date: (regenerated)/" \
  migrations/versions/0001_initial_schema.py
DATABASE_URL="sqlite:///$tmp/regen.sqlite3" .venv/bin/flask --app app db upgrade >/dev/null
DATABASE_URL="sqlite:///$tmp/regen.sqlite3" .venv/bin/flask --app app db check
rm -rf "$tmp"
