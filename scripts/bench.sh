#!/usr/bin/env bash
# make bench: end-to-end throughput benchmark (issue 6). Never part of make test.
#
# Starts a throwaway PostgreSQL server (scripts/pg.sh, data in
# $BENCH_PG_DIR, default .dpone/bench-pg, kept between runs so bench_src is
# generated once; the bench turns its autovacuum off and CHECKPOINTs before
# every measured run) holding the source database benchsrc and the target
# database benchdst, runs scripts/bench (see its doc comment for BENCH_ROWS,
# BENCH_RUNS, BENCH_SMALL_ROWS, BENCH_SCENARIOS) and stops the server.
# Quick run: BENCH_ROWS=200000 BENCH_SMALL_ROWS=0 BENCH_RUNS=1 make bench
# Writes a table to stdout and .dpone/bench/bench-<time>.json: per scenario
# the median wall time with its spread, the CPU seconds of every process
# (dpone host and plugins or psql, and the PostgreSQL server's backends),
# the ratios of both to the psql pipe, peak RSS, and the rounds whose pipe,
# keyed pipe or reference loop (DuckDB's CTAS, the REST and Kafka loops,
# ClickHouse's native client) was slower than 1.3x its fastest run or
# needed more than 1.2x its least CPU (disturbed).
# Kafka scenarios (scripts/bench/kafka.go) with BENCH_KAFKA=1: they start a
# broker (scripts/kafka.sh, kfake) that keeps topics in segment files under
# .dpone/bench-kafka/data (DPONE_KAFKA_DATA=1), emptied at its start and
# stop: in memory, its RSS passed 13 GB in the second round at 5M rows.
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pgdir=${BENCH_PG_DIR:-$root/.dpone/bench-pg}
[ -x bin/dpone ] || scripts/build.sh
# DuckDB's own CTAS of the Parquet file: the reference of files_to_duckdb.
go build -C plugins/duckdb -o "$root/bin/duckdb-ctas" ./cmd/duckdb-ctas
chdir=${BENCH_CH_DIR:-$root/.dpone/bench-ch}
eval "$(scripts/pg.sh start "$pgdir")"
trap 'scripts/pg.sh stop "$pgdir"; scripts/clickhouse.sh stop "$chdir"' EXIT
export DPONE_TEST_PG_DSN
eval "$(scripts/clickhouse.sh start "$chdir")"   # ClickHouse scenarios (database bench)
export DPONE_TEST_CH_DSN DPONE_TEST_CH_HTTP
if [ "${BENCH_KAFKA:-}" = 1 ]; then   # Kafka scenarios (scripts/bench/kafka.go): broker on disk (DPONE_KAFKA_DATA)
  kdir=${BENCH_KAFKA_DIR:-$root/.dpone/bench-kafka}
  trap 'scripts/pg.sh stop "$pgdir"; scripts/clickhouse.sh stop "$chdir"; scripts/kafka.sh stop "$kdir"' EXIT
  eval "$(DPONE_KAFKA_DATA=1 scripts/kafka.sh start "$kdir")"
  export DPONE_TEST_KAFKA_BROKERS DPONE_TEST_SCHEMA_REGISTRY_URL
  export BENCH_KAFKA_BROKER_PID=$(cat "$kdir/pid")   # its CPU is measured in the Kafka scenarios
fi
go run ./scripts/bench
