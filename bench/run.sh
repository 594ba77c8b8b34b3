#!/usr/bin/env bash
# The service under HTTP load on SQLite and on PostgreSQL, beside the ceilings measured in the
# same run: an actix-web hello-world JSON handler (the framework's) and a bulk load of the same
# rows straight into the database (PostgreSQL `\copy`; SQLite's `.import`). Builds in release
# mode, installs wrk when missing, loads Värnamo-scale data, drives each endpoint with wrk on
# loopback and prints requests/s, p50/p99 latency, errors and the server's peak RSS, each rate
# also as a ratio to its ceiling; then writes the tables into BENCHMARKS.md. Not a test.
#
#   bench/run.sh [SECONDS] [ROWS]   (wrk run length, default 10; bulk import rows, default
#                                    100000; PostgreSQL at $BENCH_PG_URL or 127.0.0.1;
#                                    $BENCH_CONNECTIONS (64) and $BENCH_THREADS (2) for wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
COMMAND="bench/run.sh${*:+ $*}"
SECONDS_PER_RUN=${1:-10}
ROWS=${2:-100000}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
. bench/lib.sh
PG_DB=malstyrning_bench_run
PG_URL=$(pg_url $PG_DB)
HELLO_PORT=18090
WORK=$(mktemp -d)
cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null
  [ -n "${HELLO:-}" ] && kill "$HELLO" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y -qq wrk >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
fi
for tool in jq psql sqlite3 curl; do
  command -v $tool >/dev/null || { echo "bench/run.sh needs $tool" >&2; exit 1; }
done

cargo build --release -q
cargo build --release -q --example hello
HELLO_BIN=target/release/examples/hello

REPORT=$WORK/report.md
out() { printf "$@" | tee -a "$REPORT"; }

# The data: `malstyrning demo --scale 1` where the binary has it; else the demo organisation
# grown to the same scale by an import: 394 more work teams under its administrations and
# units (400 in all) and 10 000 activities spread over them and over the demo's 7 goals and
# 5 department goals, a quarter of them done.
# The bulk import goes into the demo organisation (0683), whose team and department goal its
# rows name; the endpoints are driven on ORG.
ORG=0683
if "$BIN" demo --help | grep -q -- --scale; then
  DATA="\`malstyrning demo --scale 1\` (municipality 3001; the bulk import into the demo organisation 0683 beside it)"
  ORG=3001
  load_data() { DATABASE_URL=$1 "$BIN" demo --scale 1 >/dev/null && DATABASE_URL=$1 "$BIN" demo >/dev/null; }
else
  DATA="\`malstyrning demo\` grown by an import of 394 work teams and 10 000 activities spread over 400 teams and the demo's 12 goals and department goals (\`malstyrning demo --scale\` is not in this build)"
  awk 'BEGIN {
    print "type;external_id;kind;name;short_code;parent_external_id;team_external_id;goal_external_id;department_goal_external_id;title;responsible;due_date;status;done_on"
    split("buf-fsk buf-gr oms-ht rtj tkt medb kultur msk klk", parents, " ")
    split("fsk-bla gr-f3 ht-c1 rtj-a tkt-gpn medb-kc", teams, " ")
    for (t = 1; t <= 6; t++) team[t] = "demo-unit-" teams[t]
    for (t = 7; t <= 400; t++) {
      team[t] = "bench-team-" t
      printf "unit;%s;team;Arbetslag %d;AL-%d;demo-unit-%s;;;;;;;;\n", team[t], t, t, parents[1 + t % 9]
    }
    split("bun-1 bun-2 on-1 rn-1 tn-1", dgoals, " ")
    split("planned in_progress planned done", statuses, " ")
    for (i = 1; i <= 10000; i++) {
      g = i % 12; goal = ""; dgoal = ""
      if (g < 7) goal = "demo-goal-" (g + 1); else dgoal = "demo-department-goal-" dgoals[g - 6]
      due = sprintf("2011-%02d-%02d", 1 + i % 12, 1 + i % 28)
      status = statuses[1 + i % 4]
      printf "activity;bench-scale-%d;;;;;%s;%s;%s;Aktivitet %d: uppföljning på arbetsplatsträffen;Arbetslagsledaren;%s;%s;%s\n",
        i, team[1 + i % 400], goal, dgoal, i, due, status, (status == "done" ? due : "")
    }
  }' > "$WORK/scale.csv"
  load_data() {
    DATABASE_URL=$1 "$BIN" demo >/dev/null
    DATABASE_URL=$1 "$BIN" import "$WORK/scale.csv" --org 0683 >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; return 1; }
  }
fi

ROWS_FILE=$WORK/activities.csv
activities_csv "$ROWS_FILE" "$ROWS"

# One wrk run against the process PID: a table row of requests/s, the ratio to the hello-world
# rate (HELLO_RPS), p50, p99, errors (non-2xx answers of all, socket errors, the Lua script's
# count by status) and the process's peak RSS during the run.
bench() { # PID NAME wrk-arguments…
  local pid=$1 name=$2; shift 2
  reset_peak "$pid"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" >"$WORK/wrk.out" 2>&1 || true
  local rps p50 p99 total non2xx socket statuses
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.out")
  p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")
  total=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$WORK/wrk.out")
  socket=$(awk -F'[ ,]+' '/Socket errors:/ {print $5 + $7 + $9 + $11}' "$WORK/wrk.out")
  statuses=$(sed -n 's/^statuses: //p' "$WORK/wrk.out")
  if [ -z "$rps" ]; then
    cat "$WORK/wrk.out" >&2
    out '| %s | failed | | | | see the log | |\n' "$name"
    return
  fi
  [ -n "${HELLO_RPS:-}" ] || HELLO_RPS=$rps
  local errors="${non2xx:-0} of $total"
  [ "${socket:-0}" = 0 ] || errors="$errors; $socket socket errors"
  [ -z "$statuses" ] || errors="$errors ($statuses)"
  out '| %s | %.0f | %s | %s | %s | %s | %s MiB |\n' "$name" "$rps" \
    "$(awk -v a="$rps" -v b="$HELLO_RPS" 'BEGIN {printf "%.3f", a / b}')" "$p50" "$p99" "$errors" \
    $(($(peak_kib "$pid") / 1024))
}

# How long the first request of a cached answer takes (it computes the answer), in ms.
first_answer() { # URL curl-arguments…
  curl -s -o /dev/null -w '%{time_total}' "$@" | awk '{printf "%.0f ms", $1 * 1000}'
}

table_head() {
  out '| endpoint | requests/s | ratio to hello-world | p50 | p99 | errors (non-2xx of all) | peak RSS |\n'
  out '|---|---|---|---|---|---|---|\n'
}

# The framework's ceiling, measured again before each database's endpoints; then, for each
# "BYTES NAME" given, the same handler answering a body of that size from memory (the ceiling
# for a cached answer of that size: what moving its bytes costs).
hello_world() { # ["BYTES NAME"]...
  HELLO_RPS=
  BIND_ADDR=127.0.0.1:$HELLO_PORT "$HELLO_BIN" >"$WORK/hello.log" 2>&1 &
  HELLO=$!
  wait_ready "http://127.0.0.1:$HELLO_PORT/hello"
  bench "$HELLO" '**hello-world JSON (ceiling)** `GET /hello`' "http://127.0.0.1:$HELLO_PORT/hello"
  local sized bytes name
  for sized in "$@"; do
    read -r bytes name <<<"$sized"
    bench "$HELLO" "hello-world answering $bytes bytes (the size of the $name) \`GET /hello/$bytes\`" "http://127.0.0.1:$HELLO_PORT/hello/$bytes"
  done
  kill "$HELLO"; wait "$HELLO" 2>/dev/null || true; HELLO=
}

IMPORT_ROWS=()
# The endpoints on one database, then the bulk import into it.
endpoints() { # DATABASE_URL label
  local url=$1 label=$2
  load_data "$url"
  start_server "$url" "$WORK/serve-$label.log"
  local token; token=$(DATABASE_URL=$url "$BIN" token --org $ORG --role admin)
  local import_token; import_token=$(DATABASE_URL=$url "$BIN" token --org 0683 --role admin)
  local auth="Authorization: Bearer $token"
  get() { curl -sf "$BASE/api/v1$1" -H "$auth"; }
  local activities period team board goal report code
  activities=$(get '/activities?limit=1')
  period=$(get /plan-periods | jq -r '.items[0].id')
  team=$(echo "$activities" | jq -r '.items[0].team_id')
  board=$(get '/units?kind=board' | jq -r '.items[0].id')
  goal=$(get "/goals?plan_period_id=$period" | jq -r '.items[0].id')
  report=$(get /reporting-periods | jq -r '[.items[] | select(.name | startswith("Årsredovisning"))] + .items | .[0].id')
  code=$(get /organizations | jq -r '.items[0].municipality_code')
  # The PATCH run's activities: 2 000 planned ones with their versions, read through the API.
  local cursor="" page
  : >"$WORK/pool"
  while [ "$(wc -l <"$WORK/pool")" -lt 2000 ]; do
    page=$(get "/activities?status=planned&limit=500${cursor:+&cursor=$cursor}")
    echo "$page" | jq -r '.items[] | "\(.id) \(.version) \(.status)"' >>"$WORK/pool"
    cursor=$(echo "$page" | jq -r '.next_cursor // empty')
    [ -n "$cursor" ] || break
  done

  out '\n### %s\n\n' "$label"
  out '%s activities, %s work teams; the activity plan of a team of %s activities.\n\n' \
    "$(DATABASE_URL=$url "$BIN" export --org $ORG --type activity --format ndjson | wc -l)" \
    "$(get '/units?kind=team&limit=500' | jq '.items | length')" \
    "$(get "/activities?team_id=$team&limit=500" | jq '.items | length')"
  local tree_bytes public_bytes
  tree_bytes=$(curl -s -o /dev/null -w '%{size_download}' "$BASE/api/v1/plan-periods/$period/goal-tree" -H "$auth")
  public_bytes=$(curl -s -o /dev/null -w '%{size_download}' "$BASE/api/v1/public/$code/goals")
  # The same answers as a client taking gzip gets them (curl without --compressed counts the
  # coded bytes).
  local gzip="Accept-Encoding: gzip" tree_gzip_bytes public_gzip_bytes
  tree_gzip_bytes=$(curl -s -o /dev/null -w '%{size_download}' "$BASE/api/v1/plan-periods/$period/goal-tree" -H "$auth" -H "$gzip")
  public_gzip_bytes=$(curl -s -o /dev/null -w '%{size_download}' "$BASE/api/v1/public/$code/goals" -H "$gzip")
  table_head
  hello_world "$tree_bytes goal tree" "$tree_gzip_bytes goal tree, gzip-coded" "$public_bytes public goal list" "$public_gzip_bytes public goal list, gzip-coded"
  local a=$BASE/api/v1
  bench "$SERVER" "goal tree \`GET /plan-periods/{id}/goal-tree\`" -H "$auth" "$a/plan-periods/$period/goal-tree"
  bench "$SERVER" "goal tree, gzip (\`Accept-Encoding: gzip\`)" -H "$auth" -H "$gzip" "$a/plan-periods/$period/goal-tree"
  bench "$SERVER" "activity plan \`GET /units/{team}/activity-plan\` (first answer $(first_answer "$a/units/$team/activity-plan" -H "$auth"), then cached)" -H "$auth" "$a/units/$team/activity-plan"
  bench "$SERVER" "list activities \`GET /activities?unit_id={board}&status=planned&limit=50\` (first answer $(first_answer "$a/activities?unit_id=$board&status=planned&limit=50" -H "$auth"), then cached)" -H "$auth" "$a/activities?unit_id=$board&status=planned&limit=50"
  bench "$SERVER" "one activity \`GET /activities/{id}\`, $(wc -l <"$WORK/pool") activities in turn" -s bench/wrk/get_activity.lua "$BASE" -- "$WORK/pool" "$THREADS" "$token"
  bench "$SERVER" "status change \`PATCH /activities/{id}\` with If-Match ($(wc -l <"$WORK/pool") activities)" -s bench/wrk/patch_status.lua "$BASE" -- "$WORK/pool" "$THREADS" "$token"
  bench "$SERVER" "create \`POST /activities\`" -s bench/wrk/create_activity.lua "$BASE" -- "$team" "$goal" "$token"
  # The writes above outdated the cached dashboard: its computation is timed on its own, and
  # the run measures the answers from the cache it fills (as between two writes).
  bench "$SERVER" "cycle dashboard \`GET /reporting-periods/{id}/overview\` (first answer $(first_answer "$a/reporting-periods/$report/overview" -H "$auth"), then cached)" -H "$auth" "$a/reporting-periods/$report/overview"
  bench "$SERVER" "public goal list \`GET /public/{code}/goals\` (no token)" "$a/public/$code/goals"
  bench "$SERVER" "public goal list, gzip (\`Accept-Encoding: gzip\`)" -H "$gzip" "$a/public/$code/goals"

  # The same reads asking for no cached answer: every request reads the database, as the
  # first read after a write does.
  local no_cache="Cache-Control: no-cache"
  bench "$SERVER" "list activities, \`$no_cache\` (read from the database)" -H "$auth" -H "$no_cache" "$a/activities?unit_id=$board&status=planned&limit=50"
  bench "$SERVER" "one activity, $(wc -l <"$WORK/pool") activities in turn, \`$no_cache\` (read from the database)" -s bench/wrk/get_activity.lua "$BASE" -- "$WORK/pool" "$THREADS" "$token" "$no_cache"

  reset_peak "$SERVER"
  local rate; rate=$(http_import "$import_token" "$ROWS_FILE" "$ROWS" "$WORK/import.json")
  IMPORT_ROWS+=("$label|$rate|$(($(peak_kib "$SERVER") / 1024))|$(import_counts "$WORK/import.json")")
  stop_server
}

# The database's ceiling for the bulk import: the same rows, with the columns the import
# writes for an activity, loaded in one statement into the activities table (its indexes,
# foreign keys and checks) of a database holding the demo; rows/s by the wall clock.
copy_rows() { # ORG TEAM DEPARTMENT_GOAL → CSV of ROWS activity rows on stdout
  awk -F';' -v org="$1" -v team="$2" -v dgoal="$3" 'NR > 1 {
    printf "%08x-0000-7000-8000-%012x,%s,%s,%s,\"%s\",%s,%s,%s,%s,2026-01-01 00:00:00,2026-01-01 00:00:00,1\n",
      NR, NR, org, team, dgoal, $5, $6, $7, $8, $2
  }' "$ROWS_FILE"
}
COPY_COLUMNS="id, organization_id, team_id, department_goal_id, title, responsible, due_date, status, external_id, created_at, updated_at, version"
now() { date +%s.%N; }
rate_since() { awk -v r="$ROWS" -v s="$1" -v e="$(now)" 'BEGIN {printf "%d", r / (e - s)}'; }
copy_postgres() {
  fresh_postgres $PG_DB
  DATABASE_URL=$PG_URL "$BIN" demo >/dev/null
  local ids; ids=$(psql -qAt -F' ' "$PG_URL" -c "SELECT u.organization_id, u.id, d.id FROM units u, department_goals d WHERE u.external_id = 'demo-unit-fsk-bla' AND d.external_id = 'demo-department-goal-bun-1'")
  # shellcheck disable=SC2086
  copy_rows $ids >"$WORK/copy.csv"
  local start; start=$(now)
  psql -q "$PG_URL" -c "\\copy activities ($COPY_COLUMNS) FROM '$WORK/copy.csv' WITH (FORMAT csv)"
  rate_since "$start"
}
import_sqlite() {
  rm -f "$WORK"/copy.db*
  DATABASE_URL=$WORK/copy.db "$BIN" demo >/dev/null
  local ids; ids=$(sqlite3 -separator ' ' "$WORK/copy.db" "SELECT u.organization_id, u.id, d.id FROM units u, department_goals d WHERE u.external_id = 'demo-unit-fsk-bla' AND d.external_id = 'demo-department-goal-bun-1'")
  # shellcheck disable=SC2086
  copy_rows $ids >"$WORK/copy.csv"
  local start; start=$(now)
  sqlite3 "$WORK/copy.db" "PRAGMA foreign_keys = ON" "BEGIN" \
    "CREATE TEMP TABLE staged AS SELECT $COPY_COLUMNS FROM activities WHERE 0" \
    ".mode csv" ".import $WORK/copy.csv staged" \
    "INSERT INTO activities ($COPY_COLUMNS) SELECT * FROM staged" "COMMIT" >/dev/null
  rate_since "$start"
}

MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
MEMORY=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (with uncommitted changes)')
out '`%s`, %s, commit %s; %s cores (%s), %s; wrk %s threads, %s connections, %s s a run.\n' \
  "$COMMAND" "$(date -u +%F)" "$COMMIT" "$(nproc)" "$MODEL" "$MEMORY" "$THREADS" "$CONNECTIONS" "$SECONDS_PER_RUN"
out '\nData: %s.\n' "$DATA"

rm -f "$WORK"/bench.db*
endpoints "$WORK/bench.db" SQLite
fresh_postgres $PG_DB
endpoints "$PG_URL" PostgreSQL

SQLITE_CEILING=$(import_sqlite)
PG_CEILING=$(copy_postgres)
drop_postgres $PG_DB

out '\n### Bulk import of %s activities against the database'"'"'s bulk load\n\n' "$ROWS"
out '| database | import through the API | peak RSS (server) | result | bulk load of the same rows | ratio |\n'
out '|---|---|---|---|---|---|\n'
for row in "${IMPORT_ROWS[@]}"; do
  IFS='|' read -r label rate peak counts <<<"$row"
  if [ "$label" = SQLite ]; then ceiling=$SQLITE_CEILING how='sqlite3 `.import`'; else ceiling=$PG_CEILING how='`\copy`'; fi
  out '| %s | %s rows/s | %s MiB | %s | %s rows/s (%s) | %s |\n' "$label" "$rate" "$peak" "$counts" "$ceiling" "$how" \
    "$(awk -v a="$rate" -v b="$ceiling" 'BEGIN {printf "%.4f", a / b}')"
done

# Into BENCHMARKS.md, between its markers, keeping the rest.
awk -v report="$REPORT" '
  /^<!-- bench\/run.sh: begin -->$/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
  /^<!-- bench\/run.sh: end -->$/ { skip = 0 }
  !skip' BENCHMARKS.md >"$WORK/BENCHMARKS.md"
cp "$WORK/BENCHMARKS.md" BENCHMARKS.md
echo
echo "written to BENCHMARKS.md"
