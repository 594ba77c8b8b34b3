#!/usr/bin/env bash
# Bulk import of 100 000 activities (rows/s and peak memory) on SQLite and PostgreSQL, through
# the command line and through `POST /api/v1/import`, each a first import (all created) and a
# second of the same file (all unchanged). Not a test: it prints figures.
#
#   bench/import.sh [ROWS]        (default 100000; PostgreSQL at $BENCH_PG_URL or 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000}
PG_ADMIN=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_URL=${PG_ADMIN%/*}/malstyrning_bench_import
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true' EXIT

cargo build --release -q
BIN=target/release/malstyrning
export RUST_LOG=warn

# Activities of the demo organisation's teams, for its goals and department goals, by
# external id, as another system would send them: `;`, Swedish text.
FILE=$WORK/activities.csv
awk -v rows="$ROWS" 'BEGIN {
  print "type;external_id;team_external_id;department_goal_external_id;title;responsible;due_date;status"
  for (i = 1; i <= rows; i++) {
    printf "activity;bench-%d;demo-unit-fsk-bla;demo-department-goal-bun-1;Åtgärd %d: trygghetsvandring med vårdnadshavare;Arbetslagsledaren;2011-%02d-%02d;planned\n",
      i, i, 1 + i % 12, 1 + i % 28
  }
}' > "$FILE"
BYTES=$(stat -c %s "$FILE")

peak_kib() { grep VmHWM "/proc/$1/status" | awk '{print $2}'; }

# One import through the command line: rows/s from its own clock, peak RSS from time(1).
cli_import() { # DATABASE_URL label
  local out; out=$(DATABASE_URL=$1 /usr/bin/time -f 'peak %M KiB' "$BIN" import "$FILE" --org 0683 2>&1)
  local rate; rate=$(echo "$out" | sed -n 's/.*(\([0-9]*\) rows\/s)$/\1/p' | tail -1)
  local peak; peak=$(echo "$out" | sed -n 's/^peak \([0-9]*\) KiB/\1/p')
  local counts; counts=$(echo "$out" | sed -n 's/^in all: //p')
  printf '| %s | command line | %s | %s rows/s | %s MiB | %s |\n' "$2" "$3" "$rate" $((peak / 1024)) "$counts"
}

# One import through the API: rows/s from curl's clock, the server's peak RSS.
http_import() { # DATABASE_URL label
  DATABASE_URL=$1 BIND_ADDR=127.0.0.1:18081 "$BIN" serve >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18081/health/ready >/dev/null && break; sleep 0.1; done
  local token; token=$(DATABASE_URL=$1 "$BIN" token --org 0683 --role admin)
  for pass in first second; do
    local took; took=$(curl -s -o "$WORK/report.json" -w '%{time_total}' -X POST \
      http://127.0.0.1:18081/api/v1/import -H "Authorization: Bearer $token" \
      -H 'Content-Type: text/csv' --data-binary @"$FILE")
    local rate; rate=$(awk -v r="$ROWS" -v t="$took" 'BEGIN {printf "%d", r / t}')
    local counts; counts=$(sed 's/.*"created":\([0-9]*\),"updated":\([0-9]*\),"unchanged":\([0-9]*\).*/\1 created, \2 updated, \3 unchanged/' "$WORK/report.json")
    printf '| %s | HTTP | %s | %s rows/s | %s MiB (server) | %s |\n' "$2" "$pass" "$rate" $(($(peak_kib $SERVER) / 1024)) "$counts"
  done
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
}

fresh_sqlite() { rm -f "$WORK"/bench.db*; DATABASE_URL=$WORK/bench.db "$BIN" demo >/dev/null; }
fresh_postgres() {
  psql -q "$PG_ADMIN" -c 'DROP DATABASE IF EXISTS malstyrning_bench_import WITH (FORCE)' -c 'CREATE DATABASE malstyrning_bench_import'
  DATABASE_URL=$PG_URL "$BIN" demo >/dev/null
}

echo "$ROWS activities, $((BYTES / 1024 / 1024)) MiB of CSV; $(nproc) cores, $(git rev-parse --short HEAD)"
echo
echo '| database | through | import | rate | peak RSS | result |'
echo '|---|---|---|---|---|---|'
fresh_sqlite
cli_import "$WORK/bench.db" SQLite first
cli_import "$WORK/bench.db" SQLite second
fresh_sqlite
http_import "$WORK/bench.db" SQLite
fresh_postgres
cli_import "$PG_URL" PostgreSQL first
cli_import "$PG_URL" PostgreSQL second
fresh_postgres
http_import "$PG_URL" PostgreSQL
psql -q "$PG_ADMIN" -c 'DROP DATABASE IF EXISTS malstyrning_bench_import WITH (FORCE)'
