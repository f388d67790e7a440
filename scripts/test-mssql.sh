#!/usr/bin/env bash
# The live SQL Server suite: needs DPONE_TEST_MSSQL_DSN (no server can run
# on dpone's build machines); runs the mssql module's tests with it.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${DPONE_TEST_MSSQL_DSN:-}" ]; then
  echo "DPONE_TEST_MSSQL_DSN is not set: point it at a SQL Server (sqlserver://user:pass@host:1433)" >&2
  exit 2
fi
export DPONE_CERTIFY_STRICT=${DPONE_CERTIFY_STRICT:-1}
cd "$root/plugins/mssql" && go test -count=1 -v ${GOTESTFLAGS:-} ./...
