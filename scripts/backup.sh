#!/usr/bin/env bash
# Back up the PostgreSQL database of $DATABASE_URL to var/backups/<UTC timestamp>.dump
# (pg_dump custom format: compressed, restorable table by table with pg_restore).
#
#   DATABASE_URL=postgres://user:pass@host:5432/db scripts/backup.sh
#   BACKUP_DIR=/mnt/backups scripts/backup.sh      # another directory
#   BACKUP_KEEP=30 scripts/backup.sh               # keep only the 30 newest dumps (default: all)
#
# Prints the path of the dump on stdout; the dump is written to a temporary name and renamed
# only when pg_dump succeeded, so a half-written file never looks like a backup.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

url="${DATABASE_URL:-}"
require_postgres_url "$url" \
  "backup.sh: DATABASE_URL must be a postgres:// URL (got '${url:-<unset>}')." \
  "backup.sh: for the SQLite default, copy var/db.sqlite3 while the processes are stopped."

dir="${BACKUP_DIR:-var/backups}"
mkdir -p "$dir"
ts="$(date -u +%Y%m%dT%H%M%SZ)"
target="$dir/$ts.dump"
n=1
while [ -e "$target" ]; do target="$dir/$ts-$n.dump"; n=$((n + 1)); done
tmp="$target.partial"
trap 'rm -f "$tmp"' EXIT

pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$tmp" --dbname="$url"
# A dump that pg_restore cannot list is not a backup.
pg_restore --list "$tmp" >/dev/null
mv "$tmp" "$target"
trap - EXIT

if [ -n "${BACKUP_KEEP:-}" ]; then
  # Newest first; delete everything after the first BACKUP_KEEP.
  ls -1t "$dir"/*.dump 2>/dev/null | tail -n +"$((BACKUP_KEEP + 1))" | xargs -r rm -f --
fi
echo "$target"
