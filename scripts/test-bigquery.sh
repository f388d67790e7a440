#!/usr/bin/env bash
# The BigQuery live subset against goccy/bigquery-emulator v0.6.6 (opt-in:
# the first build takes 30–40 min and ~7 GB RAM) with fake-gcs-server for
# staging. Never part of make test. The emulator binary is cached outside the
# work tree, in $DPONE_CACHE_DIR (default ~/.cache/dpone), so every checkout
# on the machine reuses one build; `scripts/test-bigquery.sh build` only builds.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
emuver=v0.6.6
emu=${DPONE_CACHE_DIR:-$HOME/.cache/dpone}/bin/bigquery-emulator-$emuver
if [ ! -x "$emu" ]; then
  if ! command -v clang++ >/dev/null && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq clang) >&2 # go-zetasql builds with clang
  fi
  command -v clang++ >/dev/null || {
    echo "test-bigquery: the emulator (go-zetasql) needs clang++: apt-get install clang" >&2
    exit 1
  }
  # go install pkg@version also asks the proxy for the module's version list
  # (deprecation check), which some proxies refuse; download the one version
  # and build it where the module cache unpacked it.
  src=$(cd /tmp && GOWORK=off go mod download -json "github.com/goccy/bigquery-emulator@$emuver" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  mkdir -p "$(dirname "$emu")"
  (cd "$src" && CGO_ENABLED=1 CC=clang CXX=clang++ GOWORK=off GOFLAGS=-mod=mod \
    go build -o "$emu.tmp" ./cmd/bigquery-emulator)
  mv "$emu.tmp" "$emu"
fi
[ "${1:-}" = build ] && { echo "$emu"; exit 0; }
dir=$(mktemp -d /tmp/dpone-test-bq.XXXXXX)
trap 'kill "$(cat "$dir/pid" 2>/dev/null)" 2>/dev/null || true; scripts/gcs.sh stop "$dir/gcs"; rm -rf "$dir"' EXIT
eval "$(scripts/gcs.sh start "$dir/gcs")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
grpc=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The emulator reads load jobs' gs:// URIs from the fake-gcs-server.
STORAGE_EMULATOR_HOST=$DPONE_TEST_GCS_ENDPOINT \
  "$emu" --project=dpone-test --dataset=certify --host=127.0.0.1 --port="$port" --grpc-port="$grpc" >"$dir/emu.log" 2>&1 &
echo $! > "$dir/pid"
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/bigquery/v2/projects/dpone-test/datasets" >/dev/null && break
  kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/emu.log" >&2; exit 1; }
  sleep 0.2
done
export DPONE_TEST_BIGQUERY_PROJECT=dpone-test DPONE_TEST_BIGQUERY_DATASET=certify DPONE_TEST_BIGQUERY_BUCKET=dpone-test
export DPONE_TEST_BIGQUERY_ENDPOINT=http://127.0.0.1:$port DPONE_TEST_GCS_ENDPOINT
export DPONE_TEST_BIGQUERY_STORAGE_ENDPOINT=127.0.0.1:$grpc
(cd plugins/bigquery && go test -count=1 -v -run Live ./bigquery)
go test -count=1 -v -run 'TestScripts/bigquery_' ./cmd/dpone
