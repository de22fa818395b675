#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh.
#
#   scripts/restore.sh var/backups/20260101T000000Z.dump
#       restores into $RESTORE_DATABASE_URL if set, else into $DATABASE_URL
#
# pg_restore --clean --if-exists drops and recreates every object of the dump, so restoring over
# a live database replaces its contents; stop web, worker and beat first. The target database
# must exist (createdb it for a fresh one). Runs in a single transaction: a failed restore
# leaves the target as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

file="${1:-}"
if [ -z "$file" ]; then
  echo "usage: scripts/restore.sh FILE   (make restore FILE=var/backups/<ts>.dump)" >&2
  exit 2
fi
if [ ! -r "$file" ]; then
  echo "restore.sh: cannot read '$file'." >&2
  exit 2
fi
url="${RESTORE_DATABASE_URL:-${DATABASE_URL:-}}"
require_postgres_url "$url" "restore.sh: set RESTORE_DATABASE_URL or DATABASE_URL to a postgres:// URL."
pg_restore --list "$file" >/dev/null || {
  echo "restore.sh: '$file' is not a pg_dump custom-format archive." >&2
  exit 2
}

pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$url" "$file"
echo "restored $file into ${url%%\?*}" | sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#'
