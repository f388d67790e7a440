#!/usr/bin/env bash
# Throwaway HashiCorp Vault dev server for the Vault provider's tests.
#
#   scripts/vault.sh build       build the vault binary once (hashicorp/vault
#                                v1.21.4, slow: tens of minutes on 2 cores) and
#                                cache it under $DPONE_CACHE_DIR/bin (default
#                                ~/.cache/dpone/bin), shared by every checkout
#   scripts/vault.sh path        print the cached binary's path; exit 1 if absent
#   scripts/vault.sh start [DIR] start a dev server (in memory) on a free
#                                127.0.0.1 port; prints
#                                `export DPONE_TEST_VAULT_ADDR=... DPONE_TEST_VAULT_TOKEN=...`
#   scripts/vault.sh stop  [DIR] stop the server started in DIR (by PID)
#
# DIR defaults to .dpone/test-vault. start never builds: run build first.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
ver=v1.21.4
bin=${DPONE_CACHE_DIR:-$HOME/.cache/dpone}/bin/vault-$ver
cmd=${1:-}; dir=${2:-$root/.dpone/test-vault}

case "$cmd" in
build)
  if [ ! -x "$bin" ]; then
    # Download the one version and build it where the module cache unpacked
    # it (go install pkg@version also asks for the version list).
    # The module's go.mod replaces its api and sdk modules with ./api and
    # ./sdk, which the module zip leaves out: build a writable copy that
    # drops those replaces and uses the released versions it requires. The
    # sdk it requires (v0.21.0) gave framework.Backend.ActivationFunc a
    # third argument and LockManager.RestorePolicy lost its key name result
    # after this tag's code was written (and v0.20.0 lacks other methods it
    # uses): three lines adapt the callers (a test server only).
    mod=$(cd /tmp && GOWORK=off go mod download -json "github.com/hashicorp/vault@$ver" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    src=$(dirname "$bin")/../src/vault-$ver
    mkdir -p "$(dirname "$bin")" "$(dirname "$src")"
    rm -rf "$src"; cp -r "$mod" "$src"; chmod -R u+w "$src"
    (cd "$src" &&
      for r in api api/auth/approle api/auth/kubernetes api/auth/userpass sdk; do
        GOWORK=off go mod edit -dropreplace="github.com/hashicorp/vault/$r"
      done &&
      sed -i 's/activateDeduplication(ctx context.Context, req \*logical.Request) error {/activateDeduplication(ctx context.Context, req *logical.Request, _ string) error {/' vault/identity_store_util.go &&
      sed -i 's/b.idStoreBackend.ActivationFunc(ctx, nil)/b.idStoreBackend.ActivationFunc(ctx, nil, "")/' vault/logical_system_activation_flags.go &&
      sed -i 's/restoredKeyName, err := b.lm.RestorePolicy(ctx, req.Storage, keyName, backupB64, force)/restoredKeyName, err := keyName, b.lm.RestorePolicy(ctx, req.Storage, keyName, backupB64, force)/' builtin/logical/transit/path_restore.go &&
      CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=mod go build -o "$bin.tmp" .)
    mv "$bin.tmp" "$bin"
  fi
  echo "$bin"
  ;;
path)
  [ -x "$bin" ] || { echo "vault.sh: $bin is not built: run scripts/vault.sh build" >&2; exit 1; }
  echo "$bin"
  ;;
start)
  [ -x "$bin" ] || { echo "vault.sh: $bin is not built: run scripts/vault.sh build" >&2; exit 1; }
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    addr=$(cat "$dir/addr")
  else
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    addr=http://127.0.0.1:$port
    setsid "$bin" server -dev -dev-root-token-id=dpone-test-root \
      -dev-listen-address="127.0.0.1:$port" >"$dir/server.log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
    ok=""
    for _ in $(seq 1 150); do
      if curl -fs "$addr/v1/sys/health" >/dev/null 2>&1; then ok=1; break; fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
      sleep 0.2
    done
    [ -n "$ok" ] || { echo "vault.sh: server did not start in 30 s" >&2; cat "$dir/server.log" >&2; exit 1; }
    echo "$addr" > "$dir/addr"
  fi
  echo "export DPONE_TEST_VAULT_ADDR=$addr DPONE_TEST_VAULT_TOKEN=dpone-test-root"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/pid" "$dir/addr"
  fi
  ;;
*) echo "usage: scripts/vault.sh build|path|start|stop [DIR]" >&2; exit 2 ;;
esac
