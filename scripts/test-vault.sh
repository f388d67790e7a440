#!/usr/bin/env bash
# The Vault provider's live tests (opt-in, never part of make test) against
# a real Vault dev server and a throwaway PostgreSQL: host/vault (KV v2 with
# a token, AppRole, Kubernetes auth, dynamic PostgreSQL credentials with
# lease renewal and revocation) and the vault_* CLI scripts (no secret in
# anything dpone writes). The vault binary (hashicorp/vault v1.21.4) is
# built once by `scripts/vault.sh build` (slow: see the README) and cached
# in $DPONE_CACHE_DIR/bin (default ~/.cache/dpone/bin); without it this
# script says so and fails.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/vault.sh path >/dev/null || exit 1
dir=$(mktemp -d /tmp/dpone-test-vault.XXXXXX)
chmod 755 "$dir"
trap 'scripts/vault.sh stop "$dir/vault"; scripts/pg.sh stop "$dir/pg"; rm -rf "$dir"' EXIT
eval "$(scripts/pg.sh start "$dir/pg")"
export DPONE_TEST_PG_DSN
eval "$(scripts/vault.sh start "$dir/vault")"
export DPONE_TEST_VAULT_ADDR DPONE_TEST_VAULT_TOKEN
(cd host && go test -count=1 -v ./vault)
# the vault_* scripts load PostgreSQL into DuckDB: build those two plugins only
mkdir -p "$dir/plugins"
(cd plugins/postgres && go build -o "$dir/plugins/dpone-connector-postgres" .)
(cd plugins/duckdb && go build -tags=duckdb_arrow -o "$dir/plugins/dpone-connector-duckdb" .)
DPONE_PLUGIN_DIR="$dir/plugins" go test -count=1 -v -run 'TestScripts/vault_' ./cmd/dpone
