package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// oneUnit is a manifest with a single unit whose source is src (YAML,
// indented under "source:") and an inline-params sink.
func oneUnit(extra, src string) string {
	return `kind: dpone.batch.v1
metadata: {id: m}
` + extra + `defaults:
  source:
` + src + `
  sink: {type: duckdb, connection_type: params, params: {path: w.duckdb}}
schemas:
  public:
    tables: [t]
`
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		name   string
		extra  string // top-level blocks
		source string
		env    map[string]string
		config map[string]any
		layer  string // layer of source.config.<first key>
		key    string
		err    string
		kind   error
	}{
		{
			name:   "env provider collects every field",
			source: "    {type: postgres, connection_id: shop-pg}",
			env: map[string]string{
				"DPONE_CONN_SHOP_PG_DSN": "postgres://a", "DPONE_CONN_SHOP_PG_SSLMODE": "require",
				"DPONE_CONN_SHOP_PGX_DSN": "other", "DPONE_CONN_SHOP_PG_": "empty field is ignored",
			},
			config: map[string]any{"dsn": "postgres://a", "sslmode": "require"},
			key:    "dsn", layer: "env",
		},
		{
			name:   "explicit env type",
			source: "    {type: postgres, connection_id: dwh, connection_type: env}",
			env:    map[string]string{"DPONE_CONN_DWH_DSN": "x"},
			config: map[string]any{"dsn": "x"},
			key:    "dsn", layer: "env",
		},
		{
			name:   "env provider missing",
			source: "    {type: postgres, connection_id: shop_pg}",
			env:    map[string]string{"DPONE_CONN_SHOP_DSN": "close but no"},
			err:    `m.yaml:5: unit public.t: source.connection_id "shop_pg" has no credentials: set environment variables DPONE_CONN_SHOP_PG_<FIELD> (for example DPONE_CONN_SHOP_PG_DSN=...) or add connections.shop_pg to the manifest`,
			kind:   ErrMissingEnv,
		},
		{
			name:   "example field follows the plugin",
			source: "    {type: file, connection_id: lake}",
			err:    `m.yaml:5: unit public.t: source.connection_id "lake" has no credentials: set environment variables DPONE_CONN_LAKE_<FIELD> (for example DPONE_CONN_LAKE_ROOT=...) or add connections.lake to the manifest`,
			kind:   ErrMissingEnv,
		},
		{
			name:   "connections block wins over env, with interpolation",
			extra:  "connections:\n  shop_pg:\n    dsn: \"postgres://u:${PG_PASS}@h/db\"\n    port: 5432\n    note: \"$${NOT_A_VAR} $$5\"\n",
			source: "    {type: postgres, connection_id: shop_pg}",
			env:    map[string]string{"PG_PASS": "pw", "DPONE_CONN_SHOP_PG_DSN": "ignored"},
			config: map[string]any{"dsn": "postgres://u:pw@h/db", "port": 5432, "note": "${NOT_A_VAR} $5"},
			key:    "dsn", layer: "connections.shop_pg",
		},
		{
			name:   "connections block with a missing variable",
			extra:  "connections:\n  shop_pg:\n    dsn: \"postgres://u:${PG_PASS}@h/db\"\n",
			source: "    {type: postgres, connection_id: shop_pg}",
			err:    `m.yaml:5: connections.shop_pg.dsn: environment variable PG_PASS is not set`,
			kind:   ErrMissingEnv,
		},
		{
			name:   "params provider",
			source: "    type: postgres\n    connection_type: params\n    params: {dsn: \"postgres://{{ src_table }}\"}",
			config: map[string]any{"dsn": "postgres://t"},
			key:    "dsn", layer: "defaults",
		},
		{
			name:   "params provider without params",
			source: "    {type: postgres, connection_type: params}",
			err:    `m.yaml:5: unit public.t: source.connection_type params needs source.params`,
			kind:   ErrInvalid,
		},
		{
			name:   "no connection id: params or nothing",
			source: "    {type: postgres}",
			config: map[string]any{},
		},
		{
			name:   "vault needs the vault block",
			source: "    {type: postgres, connection_id: x, connection_type: vault}",
			err:    `m.yaml:5: unit public.t: source.connection_type vault needs a top-level vault block (at least vault: {address: https://vault:8200})`,
			kind:   ErrInvalid,
		},
		{
			name:   "unknown provider",
			source: "    {type: postgres, connection_id: x, connection_type: parms}",
			err:    `m.yaml:5: unit public.t: source.connection_type "parms" is not a credential provider (did you mean "params"?)`,
			kind:   ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(oneUnit(tt.extra, tt.source)), "m.yaml", MapEnv(tt.env))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v, want %s", err, tt.err)
				}
				if !errors.Is(err, tt.kind) {
					t.Errorf("got %v, want errors.Is %v", err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u := m.Units[0]
			if diff := cmp.Diff(tt.config, map[string]any(u.Source.Config)); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if tt.key == "" {
				return
			}
			v, layer, err := u.Explain("source.config." + tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if want := u.Source.RedactedConfig()[tt.key]; layer != tt.layer || v != want {
				t.Errorf("explain: got %v from %q, want %v from %q", v, layer, want, tt.layer)
			}
		})
	}
}

func TestRedactedConfig(t *testing.T) {
	e := Endpoint{Config: Secrets{
		"dsn":      "postgres://u:pw@h:5432/db?password=pw&sslmode=disable",
		"nouser":   "postgres://h/db",
		"kv":       "host=h password=pw",
		"port":     5432,
		"password": "pw",
		"path":     "/data/wh.duckdb",
		"root":     "/data/in",
		"user":     "etl",
		"token":    "tk",
		"api_key":  "ak",
		"headers":  map[string]any{"Authorization": "Bearer tk"},
	}}
	// Only secrets are masked: the keys known to be harmless (paths,
	// hosts, ports, users) show their values; every other key is masked.
	want := map[string]any{
		"dsn":      "postgres://u:***@h:5432/db",
		"nouser":   "postgres://h/db",
		"kv":       Redacted,
		"port":     5432,
		"password": Redacted,
		"path":     "/data/wh.duckdb",
		"root":     "/data/in",
		"user":     "etl",
		"token":    Redacted,
		"api_key":  Redacted,
		"headers":  Redacted,
	}
	if diff := cmp.Diff(want, e.RedactedConfig()); diff != "" {
		t.Errorf("redacted (-want +got):\n%s", diff)
	}
	if got := fmt.Sprint(e.Config); strings.Contains(got, "pw") {
		t.Errorf("got %s from fmt, want no password", got)
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"shop_pg": "SHOP_PG", "shop-pg.eu": "SHOP_PG_EU", "Dwh2": "DWH2"} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestStateInterpolation(t *testing.T) {
	src := strings.Replace(oneUnit("", "    {type: postgres}"), "defaults:", "state: {backend: postgres, dsn: \"${STATE_DSN}\", path: /abs/state.db}\ndefaults:", 1)
	m, err := Parse([]byte(src), "m.yaml", MapEnv(map[string]string{"STATE_DSN": "postgres://state"}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(StateConfig{Backend: "postgres", DSN: "postgres://state", Path: "/abs/state.db"}, m.State); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	_, err = Parse([]byte(src), "m.yaml", MapEnv(nil))
	if want := "m.yaml:3: state.dsn: environment variable STATE_DSN is not set"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %s", err, want)
	}
}
