#!/bin/bash
# initdb (UTF8) on an empty data directory (superuser POSTGRES_USER with POSTGRES_PASSWORD, database POSTGRES_DB,
# password logins from the network), then the server in the foreground as the postgres user.
set -euo pipefail
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
USER_NAME=${POSTGRES_USER:-postgres}
DB=${POSTGRES_DB:-$USER_NAME}
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
as_pg() { runuser -u postgres -- "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pw=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
  chown postgres "$pw"
  as_pg initdb -D "$PGDATA" -U "$USER_NAME" --encoding=UTF8 --locale=C.UTF-8 --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pw"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  as_pg pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  if [ "$DB" != postgres ]; then as_pg psql -q -U "$USER_NAME" -d postgres -c "CREATE DATABASE \"$DB\""; fi
  as_pg pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null
fi
exec runuser -u postgres -- postgres -D "$PGDATA" -c listen_addresses='*'
