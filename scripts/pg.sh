#!/usr/bin/env bash
# Throwaway PostgreSQL for tests and benchmarks.
#
#   scripts/pg.sh start [DIR]   initdb (first time) + start on a free loopback
#                               port; prints `export DPONE_TEST_PG_DSN=...`
#   scripts/pg.sh stop  [DIR]   stop the server started in DIR (by its PID);
#                               a later start on DIR keeps data and port
#
# DIR defaults to .dpone/test-pg. As root, initdb and postgres run as the
# postgres user (they refuse to run as root), on a data dir it owns.
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
cmd=${1:-}; dir=${2:-${DPONE_PG_DIR:-$PWD/.dpone/test-pg}}
pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$pgbin/initdb" ] || { echo "pg.sh: PostgreSQL server binaries not found (install: scripts/deps.sh)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",int(sys.argv[1])))' "$1" 2>/dev/null; }

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if [ -f "$dir/port" ] && as_pg "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    port=$(cat "$dir/port")
  else
    # A restart (stop, then start on the same DIR) keeps the port when it
    # is still free, so clients' DSNs stay valid.
    port=$(cat "$dir/last-port" 2>/dev/null || true)
    if [ -z "$port" ] || ! port_free "$port"; then port=$(free_port); fi
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
          -c wal_level=logical -c max_wal_size=4GB -c shared_buffers=256MB" >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" > "$dir/port"
    head -1 "$dir/data/postmaster.pid" > "$dir/pid"
  fi
  echo "export DPONE_TEST_PG_DSN=postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || kill "$(cat "$dir/pid")" 2>/dev/null || true
    [ -f "$dir/port" ] && mv -f "$dir/port" "$dir/last-port"
    rm -f "$dir/pid"
  fi
  ;;
*) echo "usage: scripts/pg.sh start|stop [DIR]" >&2; exit 2 ;;
esac
