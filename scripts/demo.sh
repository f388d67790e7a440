#!/usr/bin/env bash
# The quickstart: generate a small shop dataset (CSV, JSONL, Parquet),
# land it in an embedded DuckDB file with dpone, show the run summary and a
# sample query. No server needed.
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
qs=examples/quickstart
export DPONE_PLUGIN_DIR="$root/bin"
echo "==> generating the shop dataset in $qs/data"
go run ./$qs/gen -dir $qs/data
echo "==> dpone plan $qs/manifest.yaml"
bin/dpone plan $qs/manifest.yaml
echo
echo "==> dpone run $qs/manifest.yaml"
bin/dpone run --progress plain $qs/manifest.yaml
echo
echo "==> sample query: revenue by country (DuckDB, through the duckdb connector)"
bin/dpone read duckdb revenue --config "{\"path\": \"$root/$qs/warehouse.duckdb\"}" \
  --options '{"query": "select c.country, count(distinct o.id) as orders, sum(i.quantity * i.unit_price) as revenue from landing__shop.customers c join landing__shop.orders o on o.customer_id = c.id join landing__shop.order_items i on i.order_id = o.id group by 1 order by revenue desc"}' \
  --limit 10
echo
echo "==> next: the runs registry and the warehouse"
echo "  bin/dpone runs list -m $qs/manifest.yaml"
echo "  bin/dpone runs show -m $qs/manifest.yaml <RUN>"
echo "  bin/dpone read duckdb orders --namespace landing__shop --config '{\"path\": \"$qs/warehouse.duckdb\"}'"
