package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/rogpeppe/go-internal/testscript"
)

// setupVault points a script at the Vault dev server of make test-vault
// (DPONE_TEST_VAULT_ADDR): VAULT_ADDR, VAULT_TOKEN, and VAULT_PREFIX, a
// KV path prefix of the script's own.
func setupVault(env *testscript.Env) {
	addr := os.Getenv("DPONE_TEST_VAULT_ADDR")
	if addr == "" {
		return
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	env.Setenv("VAULT_ADDR", addr)
	env.Setenv("VAULT_TOKEN", os.Getenv("DPONE_TEST_VAULT_TOKEN"))
	env.Setenv("VAULT_PREFIX", "script_"+hex.EncodeToString(b))
}

// cmdVaultKV writes a KV v2 secret: vaultkv PATH FIELD=VALUE... (mount
// "secret", the dev server's).
func cmdVaultKV(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: vaultkv PATH FIELD=VALUE...")
	}
	conf := api.DefaultConfig()
	conf.Address = ts.Getenv("VAULT_ADDR")
	c, err := api.NewClient(conf)
	ts.Check(err)
	c.SetToken(ts.Getenv("VAULT_TOKEN"))
	data := map[string]any{}
	for _, kv := range args[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("vaultkv: %q is not FIELD=VALUE", kv)
		}
		data[k] = v
	}
	_, err = c.KVv2("secret").Put(context.Background(), args[0], data)
	ts.Check(err)
}
