#!/usr/bin/env bash
# Fail when the committed proto/gen differs from a fresh generation.
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
scripts/proto.sh "$tmp/gen" "$tmp/v10"
if ! diff -r "$tmp/gen" proto/gen >/dev/null; then
  diff -r "$tmp/gen" proto/gen | head -20 >&2
  echo "proto/gen is stale: run 'make proto' and commit the result" >&2
  exit 1
fi
v10=host/connector/internal/v10/connectorv10
if ! diff -r "$tmp/v10/connectorv10" "$v10" >/dev/null; then
  diff -r "$tmp/v10/connectorv10" "$v10" | head -20 >&2
  echo "$v10 is stale: run 'make proto' and commit the result" >&2
  exit 1
fi
echo "proto/gen and the frozen v1.0 copy are up to date"
