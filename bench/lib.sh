# Shared by the scripts in bench/ (sourced, from the repository's root): the release binary, a
# CSV of bench activities, the service on loopback and its peak memory, an import through the
# API, a fresh PostgreSQL database.
BIN=target/release/malstyrning
export RUST_LOG=warn
# The load generator is one caller at tens of thousands of requests a second: measure the
# service, not its rate limit.
export RATE_LIMIT_PER_MINUTE=0
PG_ADMIN=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PORT=18081
BASE=http://127.0.0.1:$PORT

# ROWS activities of the demo organisation's team Blå, for one department goal, by external id,
# as another system would send them: `;`, Swedish text.
activities_csv() { # FILE ROWS
  awk -v rows="$2" 'BEGIN {
    print "type;external_id;team_external_id;department_goal_external_id;title;responsible;due_date;status"
    for (i = 1; i <= rows; i++) {
      printf "activity;bench-%d;demo-unit-fsk-bla;demo-department-goal-bun-1;Åtgärd %d: trygghetsvandring med vårdnadshavare;Arbetslagsledaren;2011-%02d-%02d;planned\n",
        i, i, 1 + i % 12, 1 + i % 28
    }
  }' > "$1"
}

# The peak resident set of a process so far (VmHWM), and starting that peak afresh.
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
reset_peak() { echo 5 2>/dev/null > "/proc/$1/clear_refs" || true; }

wait_ready() { # URL
  for _ in $(seq 200); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

# The service on 127.0.0.1:$PORT over DATABASE_URL; its process id in SERVER.
start_server() { # DATABASE_URL LOG
  DATABASE_URL=$1 BIND_ADDR=127.0.0.1:$PORT "$BIN" serve >"$2" 2>&1 &
  SERVER=$!
  wait_ready "$BASE/health/ready"
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }

# One import of FILE through `POST /api/v1/import`: prints rows/s by curl's clock, leaves the
# report in REPORT; import_counts reads the report's counts.
http_import() { # TOKEN FILE ROWS REPORT
  local took; took=$(curl -s -o "$4" -w '%{time_total}' -X POST "$BASE/api/v1/import" \
    -H "Authorization: Bearer $1" -H 'Content-Type: text/csv' --data-binary @"$2")
  awk -v r="$3" -v t="$took" 'BEGIN {printf "%d", r / t}'
}
import_counts() { # REPORT
  sed 's/.*"created":\([0-9]*\),"updated":\([0-9]*\),"unchanged":\([0-9]*\).*/\1 created, \2 updated, \3 unchanged/' "$1"
}

# An empty PostgreSQL database NAME beside PG_ADMIN's; pg_url names its URL.
pg_url() { echo "${PG_ADMIN%/*}/$1"; }
fresh_postgres() { # NAME
  PGOPTIONS='-c client_min_messages=warning' psql -q "$PG_ADMIN" \
    -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}
drop_postgres() { psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }
