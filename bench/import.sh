#!/usr/bin/env bash
# Bulk import of 100 000 activities (rows/s and peak memory) on SQLite and PostgreSQL, through
# the command line and through `POST /api/v1/import`, each a first import (all created) and a
# second of the same file (all unchanged). Not a test: it prints figures.
#
#   bench/import.sh [ROWS]        (default 100000; PostgreSQL at $BENCH_PG_URL or 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000}
. bench/lib.sh
PG_URL=$(pg_url malstyrning_bench_import)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true' EXIT

cargo build --release -q

FILE=$WORK/activities.csv
activities_csv "$FILE" "$ROWS"
BYTES=$(stat -c %s "$FILE")

# One import through the command line: rows/s from its own clock, peak RSS from time(1).
cli_import() { # DATABASE_URL label
  local out; out=$(DATABASE_URL=$1 /usr/bin/time -f 'peak %M KiB' "$BIN" import "$FILE" --org 0683 2>&1)
  local rate; rate=$(echo "$out" | sed -n 's/.*(\([0-9]*\) rows\/s)$/\1/p' | tail -1)
  local peak; peak=$(echo "$out" | sed -n 's/^peak \([0-9]*\) KiB/\1/p')
  local counts; counts=$(echo "$out" | sed -n 's/^in all: //p')
  printf '| %s | command line | %s | %s rows/s | %s MiB | %s |\n' "$2" "$3" "$rate" $((peak / 1024)) "$counts"
}

# Two imports through the API: rows/s from curl's clock, the server's peak RSS.
http_imports() { # DATABASE_URL label
  start_server "$1" "$WORK/serve.log"
  local token; token=$(DATABASE_URL=$1 "$BIN" token --org 0683 --role admin)
  for pass in first second; do
    local rate; rate=$(http_import "$token" "$FILE" "$ROWS" "$WORK/report.json")
    printf '| %s | HTTP | %s | %s rows/s | %s MiB (server) | %s |\n' "$2" "$pass" "$rate" $(($(peak_kib $SERVER) / 1024)) "$(import_counts "$WORK/report.json")"
  done
  stop_server
}

fresh_sqlite() { rm -f "$WORK"/bench.db*; DATABASE_URL=$WORK/bench.db "$BIN" demo >/dev/null; }
fresh_postgres_demo() { fresh_postgres malstyrning_bench_import; DATABASE_URL=$PG_URL "$BIN" demo >/dev/null; }

echo "$ROWS activities, $((BYTES / 1024 / 1024)) MiB of CSV; $(nproc) cores, $(git rev-parse --short HEAD)"
echo
echo '| database | through | import | rate | peak RSS | result |'
echo '|---|---|---|---|---|---|'
fresh_sqlite
cli_import "$WORK/bench.db" SQLite first
cli_import "$WORK/bench.db" SQLite second
fresh_sqlite
http_imports "$WORK/bench.db" SQLite
fresh_postgres_demo
cli_import "$PG_URL" PostgreSQL first
cli_import "$PG_URL" PostgreSQL second
fresh_postgres_demo
http_imports "$PG_URL" PostgreSQL
drop_postgres malstyrning_bench_import
