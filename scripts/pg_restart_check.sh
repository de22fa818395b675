#!/usr/bin/env bash
# A real PostgreSQL restart under a running gunicorn and Celery worker (issue #7): web and worker
# must recover without being restarted. Runs tests/reliability/test_pg_restart.py (marker
# `pg_restart`, deselected everywhere else) on its own database, test_<name of DATABASE_URL>,
# which pytest-django creates and migrates, and a private redis-server as the broker.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/keyproj_pgrestart scripts/pg_restart_check.sh
#
# It RESTARTS THE WHOLE CLUSTER (pg_ctlcluster <version> main restart, as root on the database
# host): never run it while other tests use the same server. CI runs it after `make test`.
# Exit status 0 when both recovered; non-zero with the reason otherwise. PostgreSQL is started
# again on the way out if it ended down.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/keyproj_pgrestart}"
require_postgres_url "$url" "pg_restart_check.sh: DATABASE_URL must be a postgres:// URL (got '$url')."
version="${PG_CLUSTER_VERSION:-$(ls /etc/postgresql | sort -V | head -1)}"

ensure_running() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "pg_restart_check.sh: PostgreSQL is down; starting cluster $version/main" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
}
trap ensure_running EXIT

start=$(date +%s)
status=0
DATABASE_URL="$url" PG_CLUSTER_VERSION="$version" PG_RESTART_CHECK=1 \
  .venv/bin/pytest tests/reliability/test_pg_restart.py -m pg_restart -p no:cacheprovider -q "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "pg_restart_check.sh: FAILED (exit $status): web or worker did not recover from the PostgreSQL restart (see above)" >&2
  exit "$status"
fi
echo "pg_restart_check.sh: OK, web and worker recovered from a PostgreSQL restart ($(($(date +%s) - start)) s)"
