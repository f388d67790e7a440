#!/usr/bin/env bash
# Throwaway S3 server for tests (johannesboyne/gofakes3 v1.2.0, in memory).
#
#   scripts/s3.sh start [DIR]   build scripts/fakes3 once (cached in
#                                .dpone/bin) and start it on a free 127.0.0.1
#                                port with bucket dpone-test; prints
#                                `export DPONE_TEST_S3_ENDPOINT=http://...`
#   scripts/s3.sh stop  [DIR]   stop the server started in DIR (by PID)
#
# DIR defaults to .dpone/test-s3. Clients use path-style addressing and region us-east-1.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/.dpone/bin/fakes3
cmd=${1:-}; dir=${2:-$root/.dpone/test-s3}

case "$cmd" in
start)
  mkdir -p "$dir" "$(dirname "$bin")"
  if [ ! -x "$bin" ] || [ -n "$(find "$root/scripts/fakes3" -newer "$bin" -type f)" ]; then
    (cd "$root/scripts/fakes3" && GOWORK=off go build -o "$bin" .)
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
    [ -n "$addr" ] || { echo "s3.sh: server did not start in 10 s" >&2; cat "$dir/server.log" >&2; exit 1; }
    echo "$addr" > "$dir/addr"
  fi
  echo "export DPONE_TEST_S3_ENDPOINT=$addr"
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
*) echo "usage: scripts/s3.sh start|stop [DIR]" >&2; exit 2 ;;
esac
