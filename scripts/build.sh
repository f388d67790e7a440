#!/usr/bin/env bash
# Build the host and every plugin into ./bin (plugins are separate modules),
# saying what each step does: a first build from empty caches fetches the
# toolchain and modules and compiles DuckDB (cgo), which takes minutes.
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p bin
start=$SECONDS
step() { printf 'build: %s\n' "$*" >&2; }
step "go toolchain $GOTOOLCHAIN (the go command fetches it on first use)"
step "go $(go env GOVERSION); modules not yet in $(go env GOMODCACHE) are downloaded as needed (a first build fetches ~60)"
ver=$(git describe --tags --match 'v[0-9]*' --always --dirty 2>/dev/null || echo dev) # module tags (sdk/v*, proto/v*) are not dpone's version
step "dpone (host) -> bin/dpone"
go build -ldflags "-X main.version=$ver" -o bin/dpone ./cmd/dpone
for p in plugins/*/; do
  name=$(basename "$p")
  [ -f "$p/go.mod" ] || continue
  tags=""
  note=""
  # duckdb-go compiles its Arrow interface, the connector's one staging
  # path, only with this tag; without it the connector does not build.
  if [ "$name" = duckdb ]; then
    tags="-tags=duckdb_arrow"
    note=" (cgo: the first build compiles DuckDB, several minutes)"
  fi
  step "connector $name -> bin/dpone-connector-$name$note"
  (cd "$p" && go build $tags -o "$root/bin/dpone-connector-$name" .)
done
step "done in $((SECONDS - start))s"
