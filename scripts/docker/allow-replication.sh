#!/usr/bin/env bash
# docker-entrypoint-initdb.d script of the compose `postgres` service (first start only): let
# the optional `replica` service connect for streaming replication with the password.
set -euo pipefail
echo "host replication all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
