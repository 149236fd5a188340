#!/usr/bin/env bash
# Starts the local PostgreSQL cluster and makes sure the role and database the tests and the demo use exist.
# Idempotent. Prints the connection string to use (MTLDS_PG) without its password.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi; }

role=${MTLDS_PG_ROLE:-mtlds}
database=${MTLDS_PG_DATABASE:-mtlds}
password=${MTLDS_PG_PASSWORD:-mtlds}
case "$role$database" in *[!a-z0-9_]*) echo "postgres-up: error: role and database must match [a-z0-9_]+" >&2; exit 1;; esac

command -v pg_lsclusters >/dev/null || bash "$(dirname "$0")/install-deps.sh"
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  as_root pg_createcluster "$version" main >/dev/null
  cluster="$version main"
fi
if ! pg_lsclusters --no-header | awk -v c="$cluster" '$1" "$2==c {print $4}' | grep -q online; then
  as_root pg_ctlcluster $cluster start
fi
for _ in $(seq 1 30); do
  as_postgres "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
as_postgres "psql -v ON_ERROR_STOP=1 -qtA" <<SQL >/dev/null
SELECT 'CREATE ROLE $role LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role')\gexec
ALTER ROLE $role WITH LOGIN PASSWORD '$password';
SELECT 'CREATE DATABASE $database OWNER $role' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$database')\gexec
SQL
port=$(pg_lsclusters --no-header | awk -v c="$cluster" '$1" "$2==c {print $3}')
echo "postgres-up: cluster $cluster online; MTLDS_PG=\"Host=127.0.0.1;Port=$port;Username=$role;Password=***;Database=$database\""
