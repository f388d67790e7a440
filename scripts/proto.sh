#!/usr/bin/env bash
# Regenerate proto/gen from proto/dpone/**.proto with the generator versions
# pinned in proto/go.mod (tool directives). Needs protoc (scripts/deps.sh).
set -euo pipefail
# go.mod asks for go1.27.3 (the stdlib fixes govulncheck wants); the go command fetches it.
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/../proto"
command -v protoc >/dev/null || { echo "protoc not found: run scripts/deps.sh" >&2; exit 1; }
bin=$(mktemp -d); trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
go build -o "$bin/protoc-gen-go-grpc" google.golang.org/grpc/cmd/protoc-gen-go-grpc
out=${1:-gen}
rm -rf "$out" && mkdir -p "$out"
PATH="$bin:$PATH" protoc -I . \
  --go_out="$out" --go_opt=module=github.com/dpone-go/dpone/proto/gen \
  --go-grpc_out="$out" --go-grpc_opt=module=github.com/dpone-go/dpone/proto/gen \
  dpone/connector/v1/connector.proto
