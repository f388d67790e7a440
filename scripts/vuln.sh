#!/usr/bin/env bash
# make vuln: govulncheck on every module of the workspace, against a
# vulnerability database built locally (no vuln.go.dev access needed).
#
# The database is built from the golang.org/x/vulndb module (its data/osv
# folder, fetched through the Go module proxy like any module) by vulndb's
# own cmd/indexdb. Both tools are pinned as `tool` directives in
# tools/go.mod, a module kept out of go.work so their dependencies never
# enter dpone's. Bump the database with:
#   cd tools && GOWORK=off go get golang.org/x/vulndb@master && GOWORK=off go mod tidy
# Exit status: 0 when no module calls a known vulnerable symbol, 3 (from
# govulncheck) otherwise. VULN_DB=<dir> reuses an already built database.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools=$(mktemp -d /tmp/dpone-vuln.XXXXXX)
trap 'rm -rf "$tools"' EXIT
(cd tools && GOWORK=off go build -o "$tools/" golang.org/x/vuln/cmd/govulncheck golang.org/x/vulndb/cmd/indexdb)
db=${VULN_DB:-}
if [ -z "$db" ]; then
  src=$(cd tools && GOWORK=off go mod download -json golang.org/x/vulndb | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src/data/osv" ] || { echo "vuln.sh: no data/osv in $src (golang.org/x/vulndb module)" >&2; exit 1; }
  db=$tools/db
  "$tools/indexdb" -vulns "$src/data/osv" -out "$db"
  echo "vulnerability database: $(ls "$db/ID" | grep -c '\.json$') entries from golang.org/x/vulndb $(cd tools && GOWORK=off go list -m -f '{{.Version}}' golang.org/x/vulndb)"
fi
status=0
for m in $(go list -m -f '{{.Dir}}'); do
  echo "=== govulncheck $(realpath --relative-to="$root" "$m")"
  tags=""
  [ "$(basename "$m")" = duckdb ] && tags="-tags=duckdb_arrow"
  (cd "$m" && "$tools/govulncheck" -db "file://$db" $tags ./...) || status=$?
done
exit $status
