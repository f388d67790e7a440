#!/usr/bin/env bash
# The BigQuery live subset against goccy/bigquery-emulator v0.6.6 (opt-in:
# the first build takes 30–40 min and ~7 GB RAM; cached in .dpone/bin) with
# fake-gcs-server for staging. Never part of make test.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
emu=$root/.dpone/bin/bigquery-emulator
if [ ! -x "$emu" ]; then
  mkdir -p "$(dirname "$emu")"
  CGO_ENABLED=1 CXX=clang++ GOBIN=$(dirname "$emu") GOWORK=off \
    go install github.com/goccy/bigquery-emulator/cmd/bigquery-emulator@v0.6.6
fi
dir=$(mktemp -d /tmp/dpone-test-bq.XXXXXX)
trap 'kill "$(cat "$dir/pid" 2>/dev/null)" 2>/dev/null || true; scripts/gcs.sh stop "$dir/gcs"; rm -rf "$dir"' EXIT
eval "$(scripts/gcs.sh start "$dir/gcs")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
grpc=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$emu" --project=dpone-test --dataset=certify --host=127.0.0.1 --port="$port" --grpc-port="$grpc" >"$dir/emu.log" 2>&1 &
echo $! > "$dir/pid"
export DPONE_TEST_BIGQUERY_PROJECT=dpone-test DPONE_TEST_BIGQUERY_DATASET=certify DPONE_TEST_BIGQUERY_BUCKET=dpone-test
export DPONE_TEST_BIGQUERY_ENDPOINT=http://127.0.0.1:$port DPONE_TEST_GCS_ENDPOINT
cd plugins/bigquery && go test -count=1 -run Live ./bigquery
