#!/usr/bin/env bash
# The whole test suite: starts a throwaway PostgreSQL and ClickHouse, runs every module's
# tests (in the go.work), and stops the server even when a test fails.
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh
pgdir=$(mktemp -d /tmp/dpone-test-pg.XXXXXX)
chmod 755 "$pgdir"
chdir=$(mktemp -d /tmp/dpone-test-ch.XXXXXX)
gcsdir=$(mktemp -d /tmp/dpone-test-gcs.XXXXXX)
s3dir=$(mktemp -d /tmp/dpone-test-s3.XXXXXX)
kdir=$(mktemp -d /tmp/dpone-test-kafka.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"; scripts/clickhouse.sh stop "$chdir"; scripts/clickhouse.sh stop "$chdir/auth"; rm -rf "$chdir"; scripts/gcs.sh stop "$gcsdir"; rm -rf "$gcsdir"; scripts/s3.sh stop "$s3dir"; rm -rf "$s3dir"; scripts/kafka.sh stop "$kdir"; scripts/kafka.sh stop "$kdir/sasl"; scripts/kafka.sh stop "$kdir/tls"; rm -rf "$kdir"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
export DPONE_TEST_PG_DSN
eval "$(scripts/clickhouse.sh start "$chdir")"
export DPONE_TEST_CH_ADDR DPONE_TEST_CH_HTTP DPONE_TEST_CH_DSN
# chDB's server shuts down on a failed native login: the AUTH check gets a server of its own.
DPONE_TEST_CHAUTH_ADDR=$(scripts/clickhouse.sh start "$chdir/auth" | sed -n 's/.*DPONE_TEST_CH_ADDR=\([^ ]*\).*/\1/p'); export DPONE_TEST_CHAUTH_ADDR
eval "$(scripts/gcs.sh start "$gcsdir")"
export DPONE_TEST_GCS_ENDPOINT
eval "$(scripts/s3.sh start "$s3dir")"
eval "$(scripts/kafka.sh start "$kdir")"
eval "$(DPONE_KAFKA_SASL=SCRAM-SHA-256:dpone:dpone-secret scripts/kafka.sh start "$kdir/sasl" | sed 's/KAFKA_BROKERS/KAFKA_SASL_BROKERS/')"
eval "$(DPONE_KAFKA_TLS=1 scripts/kafka.sh start "$kdir/tls" | sed 's/KAFKA_BROKERS/KAFKA_TLS_BROKERS/')"
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
  (cd "$m" && go test -count=1 -timeout 25m $tags ${GOTESTFLAGS:-} ./...) || status=1
done
exit $status
