#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: ".ci/postgres.sh start" and ".ci/postgres.sh stop".
#
#   eval "$(.ci/postgres.sh start)"      # prints: export LIVERFAIL_PG_DSN='host=... port=...'
#   python3 -m nox -s tests_postgres     # the PostgreSQL tests, on that server
#   .ci/postgres.sh stop                 # stops it and deletes its data
#
# Both commands are idempotent: "start" on a running server prints its DSN again, "stop" on
# a stopped one does nothing. The server listens on a unix socket only (no TCP port, so no
# clash with another server on the machine), in LIVERFAIL_PG_DIR (default
# /tmp/liverfail-pg), port LIVERFAIL_PG_PORT (default 54329: the socket file's name).
#
# It uses the binaries of Debian's packages (/usr/lib/postgresql/<version>/bin), or of
# PG_BIN if set. As root with none installed, it installs Debian's "postgresql" package
# (apt-get). The server refuses to run as root: as root it runs as the "postgres" user the
# package creates; as anyone else, as that user.
set -euo pipefail

dir=${LIVERFAIL_PG_DIR:-/tmp/liverfail-pg}
port=${LIVERFAIL_PG_PORT:-54329}
data="$dir/data"
log="$dir/server.log"

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  # The newest installed major version of Debian's packages.
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$bin" ] && [ -x "$bin/pg_ctl" ]; then echo "$bin"; fi
}

install_server() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "postgres.sh: no PostgreSQL server found (/usr/lib/postgresql/*/bin);" \
      "install Debian's 'postgresql' package or set PG_BIN" >&2
    exit 1
  fi
  echo "postgres.sh: installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # The package would create and start a cluster of its own on port 5432: not wanted.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/liverfail.conf
  apt-get install -y -qq --no-install-recommends postgresql >&2
}

# Run a command as the server's user: "postgres" when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

owner() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

dsn() {
  echo "export LIVERFAIL_PG_DSN='host=$dir port=$port user=$(owner) dbname=postgres'"
}

running() {
  local bin=$1
  [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

start() {
  local bin
  bin=$(find_bin)
  if [ -z "$bin" ]; then
    install_server
    bin=$(find_bin)
    [ -n "$bin" ] || { echo "postgres.sh: the install gave no server binaries" >&2; exit 1; }
  fi
  if running "$bin"; then dsn; return; fi
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "postgres.sh: no 'postgres' user" >&2; exit 1; }
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    as_owner "$bin/initdb" -D "$data" -U "$(owner)" --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # Unix socket only; a test server: no durability needed.
  if ! as_owner "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off" >&2; then
    echo "postgres.sh: the server did not start; its log ($log):" >&2
    cat "$log" >&2 || true
    exit 1
  fi
  as_owner "$bin/psql" -h "$dir" -p "$port" -U "$(owner)" -d postgres -qAtc "SELECT 1" >/dev/null
  dsn
}

stop() {
  local bin
  bin=$(find_bin)
  if [ -n "$bin" ] && running "$bin"; then
    as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w >&2
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  dsn) dsn ;;
  *) echo "usage: $0 start|stop|dsn" >&2; exit 2 ;;
esac
