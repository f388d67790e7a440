package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeVault is a SecretReader over fixed secrets by path; it records the
// refs it was asked for.
type fakeVault struct {
	secrets map[string]map[string]any
	asked   []VaultRef
}

func (f *fakeVault) ReadSecret(cfg *VaultConfig, ref VaultRef) (map[string]any, error) {
	f.asked = append(f.asked, ref)
	s, ok := f.secrets[ref.Mount+":"+ref.Path]
	if !ok {
		return nil, fmt.Errorf("no secret at %s/%s", ref.Mount, ref.Path)
	}
	return s, nil
}

func TestVaultCredentials(t *testing.T) {
	fv := &fakeVault{secrets: map[string]map[string]any{
		"secret:dpone/shop_pg":     {"DSN": "postgres://app:kv-pass@h/db", "port": "5432"},
		"kv2:teams/dwh":            {"dsn": "postgres://x"},
		":database/creds/dpone-ro": {"username": "v-ro-1", "password": "dyn-pass"},
	}}
	tests := []struct {
		name, extra, source string
		config              map[string]any
		ref                 VaultRef
		err                 string
	}{
		{name: "default path, fields lower-cased",
			extra:  "vault: {address: http://127.0.0.1:8200}\n",
			source: "    {type: postgres, connection_id: shop_pg, connection_type: vault}",
			config: map[string]any{"dsn": "postgres://app:kv-pass@h/db", "port": "5432"},
			ref:    VaultRef{ID: "shop_pg", Kind: "kv", Mount: "secret", Path: "dpone/shop_pg", Line: 6}},
		{name: "a connection's own mount and path",
			extra:  "vault:\n  kv_mount: kv2\n  connections:\n    dwh: {path: /teams/dwh/}\n",
			source: "    {type: postgres, connection_id: dwh, connection_type: vault}",
			config: map[string]any{"dsn": "postgres://x"},
			ref:    VaultRef{ID: "dwh", Kind: "kv", Mount: "kv2", Path: "teams/dwh", Line: 6}},
		{name: "dynamic credentials through a template, params beside them",
			extra: "vault:\n  connections:\n    ro:\n      kind: dynamic\n      path: database/creds/dpone-ro\n" +
				"      template: {dsn: \"postgres://{{username}}:{{ password }}@h/db\"}\n",
			source: "    {type: postgres, connection_id: ro, connection_type: vault, params: {schema: s}}",
			config: map[string]any{"dsn": "postgres://v-ro-1:dyn-pass@h/db", "schema": "s"},
			ref: VaultRef{ID: "ro", Kind: "dynamic", Path: "database/creds/dpone-ro", Line: 5,
				Template: map[string]string{"dsn": "postgres://{{username}}:{{ password }}@h/db"}}},
		{name: "template names a missing field",
			extra:  "vault:\n  connections:\n    ro: {kind: dynamic, path: database/creds/dpone-ro, template: {dsn: \"{{user}}\"}}\n",
			source: "    {type: postgres, connection_id: ro, connection_type: vault}",
			err:    `m.yaml:5: unit public.t: vault.connections.ro.template.dsn names user, which the secret at database/creds/dpone-ro does not have (it has: password, username)`},
		{name: "secret not found",
			extra:  "vault: {address: http://127.0.0.1:8200}\n",
			source: "    {type: postgres, connection_id: nope, connection_type: vault}",
			err:    `m.yaml:6: unit public.t: source.connection_id "nope": no secret at secret/dpone/nope`},
		{name: "approle needs its ids",
			extra:  "vault:\n  auth: {method: approle, role_id: r}\n",
			source: "    {type: postgres, connection_id: shop_pg, connection_type: vault}",
			err:    `m.yaml:4: vault.auth.method approle needs role_id and secret_id (e.g. secret_id: ${VAULT_SECRET_ID})`},
		{name: "unknown auth method",
			extra:  "vault:\n  auth: {method: aprole}\n",
			source: "    {type: postgres, connection_id: shop_pg, connection_type: vault}",
			err:    `m.yaml:4: vault.auth.method "aprole" is not an auth method (did you mean "approle"?)`},
		{name: "unknown kind",
			extra:  "vault:\n  connections:\n    x: {kind: dynamc, path: a}\n",
			source: "    {type: postgres, connection_id: shop_pg, connection_type: vault}",
			err:    `m.yaml:5: vault.connections.x.kind "dynamc": want kv (a KV v2 secret, the default) or dynamic (a lease, e.g. database/creds/ROLE)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fv.asked = nil
			opts := MapEnv(nil)
			opts.Vault = fv
			m, err := Parse([]byte(oneUnit(tt.extra, tt.source)), "m.yaml", opts)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.config, map[string]any(m.Units[0].Source.Config)); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]VaultRef{tt.ref}, fv.asked); diff != "" {
				t.Errorf("refs asked (-want +got):\n%s", diff)
			}
			for _, out := range []string{fmt.Sprint(m.Units[0].Source.Config), fmt.Sprint(m.Units[0].Source.RedactedConfig())} {
				if strings.Contains(out, "pass") {
					t.Errorf("a password shows in %s", out)
				}
			}
			v, layer, err := m.Units[0].Explain("source.config.dsn")
			if err != nil || strings.Contains(fmt.Sprint(v), "pass") || !strings.HasPrefix(layer, "vault:") {
				t.Errorf("explain: got %v from %q (%v), want a redacted value from vault:...", v, layer, err)
			}
		})
	}
}

func TestVaultWithoutReader(t *testing.T) {
	src := oneUnit("vault: {address: http://127.0.0.1:8200}\n", "    {type: postgres, connection_id: shop_pg, connection_type: vault}")
	_, err := Parse([]byte(src), "m.yaml", MapEnv(nil))
	if err == nil || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported", err)
	}
	opts := MapEnv(nil)
	opts.WithoutCredentials = true
	m, err := Parse([]byte(src), "m.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Units[0].Source.CredentialsMissing; !strings.Contains(got, "dpone/shop_pg") {
		t.Errorf("got CredentialsMissing %q, want it to name the Vault path", got)
	}
}

// TestVaultStagingCredentials: sink.staging's connection reads Vault too.
func TestVaultStagingCredentials(t *testing.T) {
	fv := &fakeVault{secrets: map[string]map[string]any{
		"secret:dpone/lake": {"access_key_id": "AK", "secret_access_key": "SK-secret"}}}
	opts := MapEnv(nil)
	opts.Vault = fv
	m, err := Parse([]byte(stagingUnit("vault: {address: http://127.0.0.1:8200}\n",
		"      {type: s3, bucket: b, connection_id: lake, connection_type: vault}")), "m.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Units[0].Sink.Staging
	if s.Credentials["access_key_id"] != "AK" || s.Credentials["secret_access_key"] != "SK-secret" {
		t.Fatalf("got %d credential fields, want the Vault secret's two", len(s.Credentials))
	}
	if strings.Contains(fmt.Sprint(s), "SK-secret") {
		t.Fatalf("the staging area prints its secret: %v", s)
	}
}

// TestVaultOffline: validate and render need neither Vault nor the
// login's environment variables.
func TestVaultOffline(t *testing.T) {
	src := oneUnit("vault:\n  address: \"${VAULT_ADDR}\"\n  auth: {method: approle, role_id: \"${RID}\", secret_id: \"${SID}\"}\n",
		"    {type: postgres, connection_id: shop_pg, connection_type: vault}")
	opts := MapEnv(nil)
	opts.WithoutCredentials = true
	if _, err := Parse([]byte(src), "m.yaml", opts); err != nil {
		t.Fatalf("offline: %v", err)
	}
	_, err := Parse([]byte(src), "m.yaml", MapEnv(nil))
	if err == nil || !strings.Contains(err.Error(), "environment variable VAULT_ADDR is not set") {
		t.Fatalf("online: got %v, want the missing variables named", err)
	}
}
