#!/usr/bin/env bash
# Build the host and every plugin into ./bin (plugins are separate modules).
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p bin
ver=$(git describe --tags --match 'v[0-9]*' --always --dirty 2>/dev/null || echo dev) # module tags (sdk/v*, proto/v*) are not dpone's version
go build -ldflags "-X main.version=$ver" -o bin/dpone ./cmd/dpone
for p in plugins/*/; do
  name=$(basename "$p")
  [ -f "$p/go.mod" ] || continue
  tags=""
  # DuckDB ingests Arrow directly (1.7-2.6x the Appender) with this tag.
  [ "$name" = duckdb ] && tags="-tags=duckdb_arrow"
  (cd "$p" && go build $tags -o "$root/bin/dpone-connector-$name" .)
done
