#!/usr/bin/env bash
# Apply pending SQL migrations to the inventory database.
set -euo pipefail
cd "$(dirname "$0")/.."

for f in migrations/*.sql; do
  echo ">> $f"
  psql "postgresql://postgres:Sup3r%40dm1n%212022@10.0.3.12:5432/inventory?sslmode=require" -v ON_ERROR_STOP=1 -f "$f"
done
