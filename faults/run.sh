#!/usr/bin/env bash
# The fault harness: the service under faults, and proof that nothing it acknowledged is lost
# (see RELIABILITY.md, "Faults"). Builds the release binary, then runs faults/faults.py, which
# starts a PostgreSQL cluster of its own in a temporary folder (initdb, as the postgres user when
# run as root; port 18250) that it crashes and restarts, the service on 127.0.0.1:18240 and a
# webhook receiver on :18241. Not a test of CI: it takes minutes and kills processes it started.
#
#   bash faults/run.sh [SCENARIO ...] [--option value ...]
#     scenarios: pg-restart import-kill webhook-kill sqlite-writers (default: all)
#     options:   see `python3 faults/faults.py --help` (e.g. --import-rows 50000 --writers 32)
#   FAULTS_PROFILE=debug uses the debug build; FAULTS_KEEP=1 keeps the logs and databases.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=${FAULTS_PROFILE:-release}
if [ "$PROFILE" = release ]; then
  cargo build --release -q
else
  cargo build -q
fi
BIN=target/$PROFILE/malstyrning

# PostgreSQL's server tools (initdb, pg_ctl) are not on PATH on Debian.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ ! -x "$PG_BIN/initdb" ] && command -v initdb >/dev/null; then
  PG_BIN=$(dirname "$(command -v initdb)")
fi
for tool in initdb pg_ctl psql; do
  [ -x "$PG_BIN/$tool" ] || { echo "faults/run.sh needs PostgreSQL's $tool (PG_BIN=$PG_BIN)" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "faults/run.sh needs sqlite3" >&2; exit 1; }

exec python3 faults/faults.py --bin "$BIN" --pg-bin "$PG_BIN" "$@"
