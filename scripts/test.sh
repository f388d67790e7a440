#!/usr/bin/env bash
# The whole test suite: starts a throwaway PostgreSQL, runs every module's
# tests (in the go.work), and stops the server even when a test fails.
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh
pgdir=$(mktemp -d /tmp/dpone-test-pg.XXXXXX)
chmod 755 "$pgdir"
kdir=$(mktemp -d /tmp/dpone-test-kafka.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"; scripts/kafka.sh stop "$kdir"; scripts/kafka.sh stop "$kdir/sasl"; rm -rf "$kdir"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
export DPONE_TEST_PG_DSN
eval "$(scripts/kafka.sh start "$kdir")"
eval "$(DPONE_KAFKA_SASL=SCRAM-SHA-256:dpone:dpone-secret scripts/kafka.sh start "$kdir/sasl" | sed 's/KAFKA_BROKERS/KAFKA_SASL_BROKERS/')"
scripts/proto-check.sh
make --no-print-directory build
export DPONE_PLUGIN_DIR="$root/bin"
export DPONE_CERTIFY_STRICT=1 # certification fails on any skipped check
mods=$(go list -m -f '{{.Dir}}')
status=0
for m in $mods; do
  echo "=== go test $(realpath --relative-to="$root" "$m")"
  tags=""
  case "$m" in */plugins/duckdb) tags="-tags=duckdb_arrow" ;; esac
  (cd "$m" && go test -count=1 $tags ${GOTESTFLAGS:-} ./...) || status=1
done
exit $status
