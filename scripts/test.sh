#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL when one is configured or answers
# on 127.0.0.1:5432. With CI=true the PostgreSQL pass always runs, so a missing
# server fails the build instead of being skipped. The browser tests (marker
# `browser`, their own SQLite database) run in the first pass only.
#
# Each pass spreads its tests over pytest-xdist workers, one per core unless
# TEST_WORKERS says otherwise (TEST_WORKERS=0 runs in one process); every worker
# has its own database (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."

postgres_answers() {
  python - <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 5432), 2).close()
except OSError:
    sys.exit(1)
PY
}

workers=(-n "${TEST_WORKERS:-auto}")

echo "== pytest on SQLite"
pytest "${workers[@]}" "$@"

if [ -n "${TEST_DATABASE_URL:-}" ] || [ "${CI:-}" = "true" ] || postgres_answers; then
  echo "== pytest on PostgreSQL"
  pytest "${workers[@]}" --db postgresql -m "not browser" "$@"
else
  echo "== PostgreSQL pass skipped: nothing on 127.0.0.1:5432 and TEST_DATABASE_URL is unset"
fi
