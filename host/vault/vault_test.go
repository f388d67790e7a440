package vault

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/host/manifest"
)

// server returns a root client of the Vault dev server scripts/vault.sh
// started (make test-vault), or skips: the vault binary is built once
// (scripts/vault.sh build) and cached outside the work tree.
func server(t *testing.T) (*api.Client, string) {
	t.Helper()
	addr := os.Getenv("DPONE_TEST_VAULT_ADDR")
	if addr == "" {
		t.Skip("DPONE_TEST_VAULT_ADDR not set: run make test-vault (needs scripts/vault.sh build once)")
	}
	conf := api.DefaultConfig()
	conf.Address = addr
	c, err := api.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(os.Getenv("DPONE_TEST_VAULT_TOKEN"))
	return c, addr
}

func suffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// parse resolves a one-unit manifest with extra top-level blocks and the
// source endpoint src through p.
func parse(t *testing.T, p *Provider, extra, src string, env map[string]string) (*manifest.Manifest, error) {
	t.Helper()
	doc := "kind: dpone.batch.v1\nmetadata: {id: m}\n" + extra + "defaults:\n  source: " + src +
		"\n  sink: {type: duckdb, connection_type: params, params: {path: w.duckdb}}\nschemas:\n  public:\n    tables: [t]\n"
	opts := manifest.MapEnv(env)
	opts.Vault = p
	return manifest.Parse([]byte(doc), filepath.Join(t.TempDir(), "m.yaml"), opts)
}

func TestKVWithToken(t *testing.T) {
	root, addr := server(t)
	ctx := context.Background()
	id := "shop_" + suffix()
	if _, err := root.KVv2("secret").Put(ctx, "dpone/"+id, map[string]any{"DSN": "postgres://app:kv-s3cret@h/db", "sslmode": "disable"}); err != nil {
		t.Fatal(err)
	}
	p := New(t.Logf)
	defer p.Close()
	m, err := parse(t, p, "vault: {address: \""+addr+"\", auth: {token: \"${VT}\"}}\n",
		"{type: postgres, connection_type: vault, connection_id: "+id+"}", map[string]string{"VT": root.Token()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Units[0].Source.Config
	if cfg["dsn"] != "postgres://app:kv-s3cret@h/db" || cfg["sslmode"] != "disable" {
		t.Fatalf("got config with %d fields, want the secret's dsn and sslmode", len(cfg))
	}

	_, err = parse(t, p, "vault: {address: \""+addr+"\", auth: {token: \"${VT}\"}}\n",
		"{type: postgres, connection_type: vault, connection_id: absent_"+id+"}", map[string]string{"VT": root.Token()})
	if err == nil || !strings.Contains(err.Error(), "vault has no KV v2 secret secret/dpone/absent_"+id) {
		t.Fatalf("got %v, want a missing-secret error naming the path", err)
	}
	_, err = parse(t, New(nil), "vault: {address: \""+addr+"\", auth: {token: wrong-token}}\n",
		"{type: postgres, connection_type: vault, connection_id: "+id+"}", nil)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("got %v, want a permission error", err)
	}
}

func TestAppRole(t *testing.T) {
	root, addr := server(t)
	ctx := context.Background()
	s := suffix()
	mount := "approle-" + s
	if err := root.Sys().EnableAuthWithOptionsWithContext(ctx, mount, &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	policy := `path "secret/data/dpone/ar_` + s + `" { capabilities = ["read"] }`
	if err := root.Sys().PutPolicyWithContext(ctx, "dpone-"+s, policy); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().WriteWithContext(ctx, "auth/"+mount+"/role/dpone", map[string]any{
		"token_policies": "dpone-" + s, "token_ttl": "1m", "token_max_ttl": "10m"}); err != nil {
		t.Fatal(err)
	}
	rid, err := root.Logical().ReadWithContext(ctx, "auth/"+mount+"/role/dpone/role-id")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := root.Logical().WriteWithContext(ctx, "auth/"+mount+"/role/dpone/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.KVv2("secret").Put(ctx, "dpone/ar_"+s, map[string]any{"dsn": "postgres://ar"}); err != nil {
		t.Fatal(err)
	}
	block := "vault:\n  address: \"" + addr + "\"\n  auth: {method: approle, mount: " + mount + ", role_id: \"${RID}\", secret_id: \"${SID}\"}\n"
	env := map[string]string{"RID": rid.Data["role_id"].(string), "SID": sid.Data["secret_id"].(string)}
	p := New(t.Logf)
	defer p.Close()
	m, err := parse(t, p, block, "{type: postgres, connection_type: vault, connection_id: ar_"+s+"}", env)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Units[0].Source.Config["dsn"]; got != "postgres://ar" {
		t.Fatalf("got dsn %v, want postgres://ar", got)
	}
	// the policy allows that path only
	_, err = parse(t, p, block, "{type: postgres, connection_type: vault, connection_id: other_"+s+"}", env)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("got %v, want permission denied outside the policy", err)
	}
	env["SID"] = "not-the-secret-id"
	_, err = parse(t, New(nil), block, "{type: postgres, connection_type: vault, connection_id: ar_"+s+"}", env)
	if err == nil || !strings.Contains(err.Error(), "approle login at auth/"+mount+"/login") {
		t.Fatalf("got %v, want an approle login error", err)
	}
}

// TestDynamicDatabaseLease: Vault's database secrets engine makes a
// PostgreSQL user for the run; its lease (ttl 2 s) is renewed while the
// provider is open, so the user still logs in after the first ttl; Close
// revokes it and the user is gone.
func TestDynamicDatabaseLease(t *testing.T) {
	root, addr := server(t)
	pgDSN := os.Getenv("DPONE_TEST_PG_DSN")
	if pgDSN == "" {
		t.Skip("DPONE_TEST_PG_DSN not set (scripts/pg.sh start)")
	}
	ctx := context.Background()
	s := suffix()
	mount := "database-" + s
	if err := root.Sys().MountWithContext(ctx, mount, &api.MountInput{Type: "database"}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().WriteWithContext(ctx, mount+"/config/pg", map[string]any{
		"plugin_name": "postgresql-database-plugin", "connection_url": pgDSN, "allowed_roles": "ro",
		"verify_connection": true}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().WriteWithContext(ctx, mount+"/roles/ro", map[string]any{
		"db_name": "pg", "default_ttl": "2s", "max_ttl": "5m",
		"creation_statements": []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`},
	}); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	block := "vault:\n  address: \"" + addr + "\"\n  auth: {token: \"${VT}\"}\n  connections:\n    pgdyn:\n      kind: dynamic\n      path: " + mount + "/creds/ro\n" +
		"      template: {dsn: \"postgres://{{username}}:{{password}}@" + cfg.Host + ":" + strconv.Itoa(int(cfg.Port)) + "/" + cfg.Database + "?sslmode=disable\"}\n"
	var logs []string
	var mu sync.Mutex
	p := New(func(f string, a ...any) { mu.Lock(); logs = append(logs, f); mu.Unlock() })
	m, err := parse(t, p, block, "{type: postgres, connection_type: vault, connection_id: pgdyn}", map[string]string{"VT": root.Token()})
	if err != nil {
		t.Fatal(err)
	}
	dsn := m.Units[0].Source.Config["dsn"].(string)
	login := func() error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx)
	}
	if err := login(); err != nil {
		t.Fatalf("the dynamic user cannot log in: %v", err)
	}
	// Past the first ttl: only a renewed lease keeps the role (Vault
	// revokes an expired lease, dropping the user).
	time.Sleep(5 * time.Second)
	if err := login(); err != nil {
		t.Fatalf("after 5 s (ttl 2 s) the lease was not renewed: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := login(); err == nil {
		t.Fatal("the dynamic user still logs in after Close revoked its lease")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range logs {
		if strings.Contains(l, "no longer renewed") {
			t.Errorf("renewal stopped early: %s", l)
		}
	}
}
