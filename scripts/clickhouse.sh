#!/usr/bin/env bash
# Throwaway ClickHouse 26.7 for tests and benchmarks (chDB's engine).
#
#   scripts/clickhouse.sh install      npm-install the pinned libchdb.so and
#                                      build the small host (cached in
#                                      .dpone/chdb; no download when cached)
#   scripts/clickhouse.sh start [DIR]  start on free loopback ports; prints
#                                      `export DPONE_TEST_CH_ADDR=...` (native),
#                                      DPONE_TEST_CH_HTTP and DPONE_TEST_CH_DSN
#   scripts/clickhouse.sh stop  [DIR]  stop the server started in DIR (by PID)
#   scripts/clickhouse.sh local QUERY  run QUERY in clickhouse-local (the same
#                                      engine as a client: the bench's native
#                                      client inserts with remote())
#
# DIR defaults to .dpone/test-ch and keeps the data between restarts.
# Debian's clickhouse-server (18.16) is too old for clickhouse-go v2; the npm
# package @chdb/lib-linux-x64-gnu ships the full engine as libchdb.so, whose
# clickhouse-local entry point serves the real native and HTTP protocols.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
chdb_version=26.7.3-stable.1   # the npm `latest` tag points to an older 26.5
cache=${DPONE_CHDB_DIR:-$root/.dpone/chdb}
lib=$cache/node_modules/@chdb/lib-linux-x64-gnu
bin=$cache/chserver
cmd=${1:-}; dir=${2:-$root/.dpone/test-ch}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

install() {
  if [ ! -f "$lib/libchdb.so" ] || ! grep -q "\"version\": \"$chdb_version\"" "$lib/package.json" 2>/dev/null; then
    command -v npm >/dev/null || { echo "clickhouse.sh: npm not found (install: apt-get install npm)" >&2; exit 1; }
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --no-save --silent "@chdb/lib-linux-x64-gnu@$chdb_version" >&2
  fi
  if [ ! -x "$bin" ] || [ "$root/scripts/chserver/chserver.c" -nt "$bin" ]; then
    cc -O2 -o "$bin" "$root/scripts/chserver/chserver.c" -L"$lib" -lchdb -Wl,-rpath,"$lib"
  fi
}

case "$cmd" in
install) install ;;
local)
  install
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # chserver reports a query without a result as a failure: end with one.
  "$bin" --path="$tmp/" --multiquery --query="$2; SELECT 'ok' FORMAT Null" </dev/null
  ;;
start)
  install
  mkdir -p "$dir/data"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    read -r tcp http < "$dir/ports"
    # A server that no longer answers is on its way out (chDB's exits when a
    # client drops its connection mid-packet): let it go, start it anew.
    if ! curl -fsS "http://127.0.0.1:$http/?query=SELECT%201" >/dev/null 2>&1; then
      pid=$(cat "$dir/pid")
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$dir/pid" "$dir/ports"
    fi
  fi
  if [ ! -f "$dir/pid" ] || ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    tcp=$(free_port); http=$(free_port)
    # The keep-alive query sleeps one second per row, for ~30 years.
    setsid "$bin" --path="$dir/data/" --listen_host=127.0.0.1 --tcp_port="$tcp" --http_port="$http" \
      --multiquery --query="SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP;
        SELECT sleepEachRow(1) FROM numbers(1000000000) SETTINGS max_block_size = 1 FORMAT Null" \
      >"$dir/server.log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
    echo "$tcp $http" > "$dir/ports"
    for _ in $(seq 1 150); do
      if curl -fsS "http://127.0.0.1:$http/?query=SELECT%201" >/dev/null 2>&1; then break; fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
      sleep 0.2
    done
    curl -fsS "http://127.0.0.1:$http/?query=SELECT%201" >/dev/null || { echo "clickhouse.sh: server did not answer in 30 s" >&2; cat "$dir/server.log" >&2; exit 1; }
  fi
  echo "export DPONE_TEST_CH_ADDR=127.0.0.1:$tcp DPONE_TEST_CH_HTTP=http://127.0.0.1:$http DPONE_TEST_CH_DSN=clickhouse://default@127.0.0.1:$tcp/default"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/pid" "$dir/ports"
  fi
  ;;
*) echo "usage: scripts/clickhouse.sh install|start|stop [DIR]" >&2; exit 2 ;;
esac
