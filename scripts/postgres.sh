#!/usr/bin/env bash
# A local PostgreSQL server from Debian's packages, for tests, benchmarks and the demo:
#   scripts/postgres.sh install | start | stop | status | url
# Listens on 127.0.0.1:$PG_PORT only, trust authentication for the user "warwire" (development only),
# data in $PG_DATA_DIR (git-ignored). As root, the server runs as the "postgres" system user.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_PORT=${PG_PORT:-15432}
PG_DATA_DIR=$(realpath -m "${PG_DATA_DIR:-$ROOT/.cache/postgres/run-$PG_PORT}")
PG_DATABASE=${PG_DATABASE:-warwire}
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}
say() { echo "postgres.sh: $*" >&2; }

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] && [ -x "$found/pg_ctl" ] && echo "$found"
}

install() {
  if bindir >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing postgresql with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    # Debian's package starts a cluster of its own on 5432; the project runs its own servers instead.
    command -v pg_ctlcluster >/dev/null 2>&1 && pg_ctlcluster --force "$(ls /etc/postgresql | sort -V | tail -n1)" main stop 2>/dev/null || true
  fi
  bindir >/dev/null || { say "PostgreSQL server binaries not found: install Debian's postgresql package"; exit 1; }
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  install
  local bin
  bin=$(bindir)
  if status >/dev/null 2>&1; then say "already running on 127.0.0.1:$PG_PORT"; return 0; fi
  mkdir -p "$PG_DATA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA_DIR" && chmod 700 "$PG_DATA_DIR"
  if [ ! -f "$PG_DATA_DIR/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$PG_DATA_DIR" -U warwire --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR" -l "$PG_DATA_DIR/server.log" -w -t "$PG_START_TIMEOUT" \
    -o "-p $PG_PORT -k $PG_DATA_DIR -c listen_addresses=127.0.0.1 ${PG_OPTS:-}" start >/dev/null
  if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U warwire -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U warwire "$PG_DATABASE"
  fi
  say "PostgreSQL ready on 127.0.0.1:$PG_PORT ($(url))"
}

stop() {
  local bin
  bin=$(bindir) || return 0
  [ -f "$PG_DATA_DIR/postmaster.pid" ] || return 0
  as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR" -m fast -w stop >/dev/null || true
}

status() {
  local bin
  bin=$(bindir) || return 1
  [ -f "$PG_DATA_DIR/PG_VERSION" ] || return 1
  as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR" status >/dev/null
}

url() { echo "postgresql+asyncpg://warwire@127.0.0.1:$PG_PORT/$PG_DATABASE"; }

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status && say "running on 127.0.0.1:$PG_PORT" ;;
  url) url ;;
  *) echo "usage: $0 install|start|stop|status|url" >&2; exit 2 ;;
esac
