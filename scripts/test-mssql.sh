#!/usr/bin/env bash
# The live SQL Server suite: needs DPONE_TEST_MSSQL_DSN (no server can run
# on dpone's build machines). Runs the mssql module's tests (strict
# certification) and, with a throwaway PostgreSQL, the mssql_* scripts
# (which read the server with dpone-mssql-exec, built here onto PATH).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${DPONE_TEST_MSSQL_DSN:-}" ]; then
  echo "DPONE_TEST_MSSQL_DSN is not set: point it at a SQL Server (sqlserver://user:pass@host:1433)" >&2
  exit 2
fi
export DPONE_CERTIFY_STRICT=1
(cd plugins/mssql && go test -count=1 ${GOTESTFLAGS:-} ./...)
pgdir=$(mktemp -d /tmp/dpone-test-pg.XXXXXX)
chmod 755 "$pgdir"
tools=$(mktemp -d /tmp/dpone-mssql-tools.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir" "$tools"' EXIT
(cd plugins/mssql && go build -o "$tools/dpone-mssql-exec" ./cmd/dpone-mssql-exec)
export PATH="$tools:$PATH"
eval "$(scripts/pg.sh start "$pgdir")"
export DPONE_TEST_PG_DSN
make --no-print-directory build
DPONE_PLUGIN_DIR="$root/bin" go test -count=1 ./cmd/dpone -run 'TestScripts/mssql_'
