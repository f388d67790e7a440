#!/usr/bin/env bash
# Throwaway Cloud Storage server for tests (fsouza/fake-gcs-server, in memory).
#
#   scripts/gcs.sh start [DIR]   build scripts/fakegcs once (cached in
#                                .dpone/bin) and start it on a free 127.0.0.1
#                                port with bucket dpone-test; prints
#                                `export DPONE_TEST_GCS_ENDPOINT=http://...`
#   scripts/gcs.sh stop  [DIR]   stop the server started in DIR (by PID)
#
# DIR defaults to .dpone/test-gcs. Clients need storage.WithJSONReads().
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/.dpone/bin/fakegcs
cmd=${1:-}; dir=${2:-$root/.dpone/test-gcs}

case "$cmd" in
start)
  mkdir -p "$dir" "$(dirname "$bin")"
  if [ ! -x "$bin" ] || [ -n "$(find "$root/scripts/fakegcs" -newer "$bin" -type f)" ]; then
    (cd "$root/scripts/fakegcs" && GOWORK=off go build -o "$bin" .)
  fi
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    addr=$(cat "$dir/addr")
  else
    setsid "$bin" >"$dir/server.log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
    addr=""
    for _ in $(seq 1 100); do
      addr=$(sed -n 's/^listening //p' "$dir/server.log" | head -1)
      [ -n "$addr" ] && break
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
      sleep 0.1
    done
    [ -n "$addr" ] || { echo "gcs.sh: server did not start in 10 s" >&2; cat "$dir/server.log" >&2; exit 1; }
    echo "$addr" > "$dir/addr"
  fi
  echo "export DPONE_TEST_GCS_ENDPOINT=$addr"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/pid" "$dir/addr"
  fi
  ;;
*) echo "usage: scripts/gcs.sh start|stop [DIR]" >&2; exit 2 ;;
esac
