#!/usr/bin/env bash
# Fuzzing from the contract: schemathesis generates requests from openapi/openapi.json and
# sends them to the live service (debug build, fresh database with the demo organisation),
# once per caller: admin, council, a board, a manager, a viewer and no token at all. Every
# check runs: no server errors, documented status codes, content types, headers and bodies
# that conform to the spec, schema-valid data accepted and invalid data refused, plus the
# stateful phase that chains operations through links it infers.
#
#   bash fuzz/run.sh           the short pass CI runs (about 11 000 requests, 3–4 minutes)
#   bash fuzz/run.sh --long    the long pass (about 75 000 requests, 25 minutes)
#
# Environment: FUZZ_SEED (default 1 for the short pass, random for the long one),
# FUZZ_DATABASE=postgres to run on a fresh PostgreSQL database instead of SQLite
# (created through the local socket, FUZZ_PG_HOST, default /var/run/postgresql, dropped after).
# The service and schemathesis run in a network namespace of their own with only loopback,
# so nothing a fuzzed request names (a webhook URL) is ever contacted.
# Prints the requests sent (from the service's access log and from schemathesis' report)
# and the failures, and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=short
if [[ "${1:-}" == "--long" ]]; then MODE=long; elif [[ -n "${1:-}" ]]; then
    echo "usage: fuzz/run.sh [--long]" >&2
    exit 2
fi

# Inside the network namespace from here on (as root; unshare needs no daemon).
if [[ -z "${FUZZ_IN_NETNS:-}" ]]; then
    # schemathesis in its own virtualenv, reinstalled when the pinned version changes.
    VENV="$ROOT/.venv-fuzz"
    if ! cmp -s fuzz/requirements.txt "$VENV/.installed" 2>/dev/null; then
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check -r fuzz/requirements.txt
        cp fuzz/requirements.txt "$VENV/.installed"
    fi
    command -v ip >/dev/null || { apt-get update -qq && apt-get install -y -qq iproute2 >/dev/null; }
    cargo build -q
    FUZZ_IN_NETNS=1 exec unshare --net "$0" "$@"
fi
ip link set lo up

BIN="$ROOT/target/debug/malstyrning"
ST="$ROOT/.venv-fuzz/bin/schemathesis"
PY="$ROOT/.venv-fuzz/bin/python"
WORK="$ROOT/target/fuzz/$(date -u +%Y%m%dT%H%M%SZ)-$MODE"
mkdir -p "$WORK"
PORT=18080
BASE="http://127.0.0.1:$PORT"

if [[ "$MODE" == long ]]; then
    SEED="${FUZZ_SEED:-$RANDOM$RANDOM}"
    # Test cases per operation and phase, for each caller.
    declare -A EXAMPLES=([admin]=150 [council]=60 [board]=60 [manager]=60 [viewer]=25 [anonymous]=100)
    OTHER_PHASES=examples,coverage,fuzzing,stateful
else
    SEED="${FUZZ_SEED:-1}"
    declare -A EXAMPLES=([admin]=10 [council]=4 [board]=4 [manager]=4 [viewer]=2 [anonymous]=20)
    # The coverage phase (every keyword's boundary and violation, a few thousand requests
    # a caller) runs for admin and the anonymous caller only.
    OTHER_PHASES=examples,fuzzing,stateful
fi

export JWT_SECRET
JWT_SECRET="fuzz-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export BIND_ADDR="127.0.0.1:$PORT" WORKERS=2 RUST_LOG="warn,actix_web::middleware::logger=info,actix_server=info"
# One caller at machine speed is exactly what the rate limit refuses (tests/suite/hostile.rs covers it).
export RATE_LIMIT_PER_MINUTE=0
# `/metrics` is served as configured in production: with a token, which no caller here holds
# (without one it is 404, as for an unknown route).
export METRICS_TOKEN
METRICS_TOKEN="metrics-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export HOME="$WORK" # the development secret and anything else the service writes stay here

PG_DB=""
if [[ "${FUZZ_DATABASE:-sqlite}" == postgres ]]; then
    PG_HOST="${FUZZ_PG_HOST:-/var/run/postgresql}"
    PG_DB="malstyrning_fuzz_$$"
    psql -q -h "$PG_HOST" -U postgres -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null
    export DATABASE_URL="postgres://postgres@/$PG_DB?host=$PG_HOST"
else
    export DATABASE_URL="$WORK/fuzz.db"
fi

SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n "$PG_DB" ]]; then
        psql -q -h "$PG_HOST" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null || true
    fi
}
trap cleanup EXIT

"$BIN" serve --demo >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
    curl -sf "$BASE/health/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.5
done
curl -sf "$BASE/health/ready" >/dev/null

token() { "$BIN" token --org 0683 --ttl 86400 --sub "fuzz-$1" --role "$@"; }
ADMIN=$(token admin)
unit() {
    curl -sf "$BASE/api/v1/units?kind=$1&limit=500" -H "Authorization: Bearer $ADMIN" |
        "$PY" -c "import json,sys; print(next(u['id'] for u in json.load(sys.stdin)['items'] if u['short_code']=='$2'))"
}
BUN=$(unit board BUN)
KLK=$(unit administration Klk)
declare -A TOKENS=(
    [admin]="$ADMIN"
    [council]="$(token council)"
    [board]="$(token board --unit "$BUN")"
    [manager]="$(token manager --unit "$KLK")"
    [viewer]="$(token viewer)"
)

"$PY" fuzz/prepare.py "$BASE" "$ADMIN" "$WORK/schemathesis.toml"
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$ROOT/fuzz"

echo "fuzz: $MODE pass, seed $SEED, $(basename "$DATABASE_URL" | cut -d'?' -f1) on ${FUZZ_DATABASE:-sqlite}, reports in $WORK"
status=0
for caller in admin council board manager viewer anonymous; do
    args=(--url "$BASE" --checks all --seed "$SEED" --max-examples "${EXAMPLES[$caller]}"
        --workers 2 --no-color --report ndjson --report-ndjson-path "$WORK/$caller.ndjson")
    if [[ "$caller" != admin && "$caller" != anonymous ]]; then args+=(--phases "$OTHER_PHASES"); fi
    if [[ "$caller" == anonymous ]]; then
        # Without a token: the public view and the health checks, every operation's 401
        # being covered by the other callers' `ignored_auth` check.
        args+=(--include-path-regex '^/(api/v1/public/|health/)')
    else
        args+=(-H "Authorization: Bearer ${TOKENS[$caller]}")
    fi
    start=$(date +%s)
    if ! "$ST" --config-file "$WORK/schemathesis.toml" run "$ROOT/openapi/openapi.json" "${args[@]}" \
        >"$WORK/$caller.txt" 2>&1; then
        status=1
    fi
    echo "fuzz: $caller done in $(($(date +%s) - start)) s"
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" && code=0 || code=$?
        echo "fuzz: the service stopped during the $caller pass (exit status $code); its log: $WORK/server.log" >&2
        SERVER_PID=""
        status=1
        break
    fi
done
if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
fi

# The service logs one line per request it answered; the reports list every request sent.
logged=$(grep -c '"[A-Z]* /[^"]* HTTP/[0-9.]*" [0-9]\{3\} ' "$WORK/server.log" || true)
server_errors=$(grep -c '" 5[0-9][0-9] ' "$WORK/server.log" || true)
panics=$(grep -ci 'panicked' "$WORK/server.log" || true)
"$PY" fuzz/summary.py "$WORK"/{admin,council,board,manager,viewer,anonymous}.ndjson >"$WORK/summary.txt" || status=1
cat "$WORK/summary.txt"
failures=$(awk '/^total:/ {print $4}' "$WORK/summary.txt")
sent=$(awk '/^total:/ {print $2}' "$WORK/summary.txt")
echo "fuzz: the service answered $logged requests ($server_errors with 5xx, $panics panics)"
if [[ "$server_errors" != 0 || "$panics" != 0 || "$failures" != 0 ]]; then status=1; fi
echo "fuzz: $sent requests sent, $failures failures (seed $SEED)"
if [[ "$status" != 0 ]]; then
    echo "fuzz: FAILED; the schemathesis output per caller is in $WORK/*.txt" >&2
fi
exit "$status"
