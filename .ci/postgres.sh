#!/usr/bin/env bash
# Install (if missing) and start a local PostgreSQL server for the SQL engine tests.
# Idempotent: safe to run again when the server is already up.
# The tests connect with PWLC_POSTGRES_DSN, default:
#   host=127.0.0.1 port=5432 user=pwlc password=pwlc dbname=pwlc
set -euo pipefail

if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q postgresql
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main
fi
# listen on localhost only; password authentication for TCP connections is the default
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -qx online; then
    pg_ctlcluster "$version" main start
fi

port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
as_postgres() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qAt -c \"$1\""; }
if [ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'pwlc'")" != "1" ]; then
    as_postgres "CREATE ROLE pwlc LOGIN PASSWORD 'pwlc'"
fi
if [ "$(as_postgres "SELECT 1 FROM pg_database WHERE datname = 'pwlc'")" != "1" ]; then
    as_postgres "CREATE DATABASE pwlc OWNER pwlc"
fi
echo "PostgreSQL $version running on 127.0.0.1:$port (user pwlc, password pwlc, database pwlc)"
