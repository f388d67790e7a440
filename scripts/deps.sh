#!/usr/bin/env bash
# Install the system packages the build and tests need, when missing:
# PostgreSQL 15 server + client (tests, bench), protoc (make proto), and
# what the ClickHouse test server needs (npm, cc, curl), python3 (exported
# Airflow DAGs compile against a stub) and chromium (HTML pages render headless).
# Debian packages only; needs root (CI and dev machines run as root).
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)
command -v protoc >/dev/null || need+=(protobuf-compiler)
command -v python3 >/dev/null || need+=(python3)
command -v curl >/dev/null || need+=(curl)   # scripts/clickhouse.sh health check
command -v cc >/dev/null || need+=(gcc)      # cgo (DuckDB, librdkafka) and the chDB host
command -v npm >/dev/null || need+=(npm)     # scripts/clickhouse.sh installs chDB's engine from npm
command -v chromium >/dev/null || need+=(chromium) # html_pages renders run and DAG pages headless
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
  exit 1
fi
echo "deps.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
