#!/usr/bin/env bash
# A PostgreSQL streaming replica of the local primary on this machine (issue #16, "Read
# replica"): a second cluster of the primary's version, made with Debian's pg_createcluster,
# filled by pg_basebackup -R (which writes standby.signal and primary_conninfo), started, and
# waited for until it accepts connections and is in recovery. The replica tests
# (tests/replica, marker `replica`) and .ci/run use it.
#
#   bash scripts/replica.sh           # create it if missing, start it, wait (the default: up)
#   bash scripts/replica.sh stop      # stop it (the data stays; `start` resumes streaming)
#   bash scripts/replica.sh start     # start an existing replica and wait
#   bash scripts/replica.sh destroy   # stop and drop the cluster
#   bash scripts/replica.sh status    # pg_isready + pg_is_in_recovery()
#
# Environment: PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), PRIMARY_USER (postgres; trust),
# REPLICA_PORT (5433), REPLICA_CLUSTER (replica), PG_CLUSTER_VERSION (the primary's, from
# /etc/postgresql). The only change to the primary: a `host replication` line in its
# pg_hba.conf for 127.0.0.1 (added once), a configuration reload, and a physical replication
# slot (REPLICA_SLOT, keyproj_<cluster>_<port>) so that the primary keeps the WAL a stopped
# replica still needs (a busy primary recycles it within seconds, and a replica without it never
# catches up). The slot makes the primary keep WAL for as long as the replica is stopped:
# `destroy` drops it (and .ci/run always destroys). The primary is never restarted.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

primary_host="${PRIMARY_HOST:-127.0.0.1}"
primary_port="${PRIMARY_PORT:-5432}"
primary_user="${PRIMARY_USER:-postgres}"
port="${REPLICA_PORT:-5433}"
cluster="${REPLICA_CLUSTER:-replica}"
version="${PG_CLUSTER_VERSION:-$(ls /etc/postgresql | sort -V | head -1)}"
datadir="/var/lib/postgresql/$version/$cluster"
slot="${REPLICA_SLOT:-keyproj_${cluster}_${port}}"

say() { echo "replica.sh: $*" >&2; }
psql_primary() { psql -h "$primary_host" -p "$primary_port" -U "$primary_user" -d postgres -tAXc "$1"; }
as_postgres() { runuser -u postgres -- "$@"; }
exists() { [ -d "/etc/postgresql/$version/$cluster" ]; }

wait_ready() {
  for _ in $(seq 60); do
    if pg_isready -q -h 127.0.0.1 -p "$port" &&
      [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAXc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
      say "up on port $port, in recovery (streaming from $primary_host:$primary_port)"
      return 0
    fi
    sleep 1
  done
  say "FAILED: the replica on port $port is not accepting connections in recovery after 60 s; log: /var/log/postgresql/postgresql-$version-$cluster.log"
  tail -n 20 "/var/log/postgresql/postgresql-$version-$cluster.log" >&2 || true
  return 1
}

# The primary must let 127.0.0.1 connect for replication ("all" in pg_hba.conf does not cover
# it). Added once, then a reload (pg_reload_conf(): no restart, no dropped connection).
allow_replication() {
  local hba
  hba=$(psql_primary "SHOW hba_file")
  if ! grep -Eq "^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|$primary_user)[[:space:]]+127\.0\.0\.1/32" "$hba"; then
    say "adding 'host replication $primary_user 127.0.0.1/32 trust' to $hba and reloading the primary"
    printf '\n# Streaming replica on this machine (scripts/replica.sh)\nhost replication %s 127.0.0.1/32 trust\n' "$primary_user" >>"$hba"
    psql_primary "SELECT pg_reload_conf()" >/dev/null
    sleep 1
  fi
}

create() {
  pg_isready -q -h "$primary_host" -p "$primary_port" || {
    say "FAILED: the primary $primary_host:$primary_port is not accepting connections"
    exit 1
  }
  [ "$(psql_primary 'SELECT pg_is_in_recovery()')" = f ] || {
    say "FAILED: $primary_host:$primary_port is itself in recovery"
    exit 1
  }
  allow_replication
  say "creating cluster $version/$cluster on port $port"
  pg_createcluster "$version" "$cluster" -p "$port" >/dev/null
  # The cluster's own initdb files are replaced by a base backup of the primary; -R writes
  # standby.signal and primary_conninfo, -X stream copies the WAL made during the backup.
  find "$datadir" -mindepth 1 -delete
  drop_slot
  as_postgres pg_basebackup -h "$primary_host" -p "$primary_port" -U "$primary_user" -D "$datadir" -R -X stream -c fast \
    -C -S "$slot"
  # The replica lets in whom the primary lets in (Debian's new-cluster default asks local TCP
  # clients for a password; the primary here trusts them). The port is the replica's own (in
  # /etc/postgresql/$version/$cluster/postgresql.conf); hot_standby is on by default.
  install -o postgres -g postgres -m 640 "$(psql_primary 'SHOW hba_file')" "/etc/postgresql/$version/$cluster/pg_hba.conf"
}

drop_slot() {
  psql_primary "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot' AND NOT active" >/dev/null
}

start() {
  exists || {
    say "no cluster $version/$cluster (run: bash scripts/replica.sh)"
    exit 1
  }
  if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
  fi
  wait_ready
}

stop() {
  if exists; then
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop -m fast 2>/dev/null || true
    say "stopped"
  fi
}

case "${1:-up}" in
  up)
    exists || create
    start
    ;;
  start) start ;;
  stop) stop ;;
  destroy)
    if exists; then
      pg_dropcluster --stop "$version" "$cluster"
      say "cluster $version/$cluster dropped"
    fi
    drop_slot
    ;;
  status)
    pg_isready -h 127.0.0.1 -p "$port" && psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAXc \
      "SELECT 'in recovery: ' || pg_is_in_recovery() || ', replay lag: ' || COALESCE((now() - pg_last_xact_replay_timestamp())::text, 'none')"
    ;;
  *)
    echo "usage: scripts/replica.sh [up|start|stop|destroy|status]" >&2
    exit 2
    ;;
esac
