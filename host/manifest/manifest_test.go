package manifest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// testEnv is the environment every golden manifest resolves against.
var testEnv = map[string]string{
	"DPONE_CONN_SHOP_PG_DSN": "postgres://shop:s3cret@127.0.0.1:5432/shop?sslmode=disable",
	"DPONE_CONN_DWH_PATH":    "./warehouse.duckdb",
	"ERP_PASSWORD":           "hunter2",
	"STATE_DSN":              "postgres://state@127.0.0.1/state",
	"UNRELATED":              "x",
}

// snapshot is what golden files hold: everything a consumer sees, with
// credentials redacted and the machine-specific directory replaced.
func snapshot(t *testing.T, m *Manifest) []byte {
	t.Helper()
	type unit struct {
		*Unit
		SourceConfig, SinkConfig map[string]any
		Origins                  map[string]string
	}
	var units []unit
	for _, u := range m.Units {
		units = append(units, unit{u, u.Source.RedactedConfig(), u.Sink.RedactedConfig(), u.Origins()})
	}
	out, err := json.MarshalIndent(struct {
		Kind     string
		Metadata Metadata
		State    StateConfig
		Units    []unit
	}{m.Kind, m.Metadata, m.State, units}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(out), m.Dir, "<dir>") + "\n")
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata manifests: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			m, err := Load(f, MapEnv(testEnv))
			if err != nil {
				t.Fatal(err)
			}
			got := snapshot(t, m)
			golden := strings.TrimSuffix(f, ".yaml") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("resolved manifest (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDesignExample(t *testing.T) {
	m, err := Load("testdata/design.yaml", MapEnv(testEnv))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(m.Units), 2; got != want {
		t.Fatalf("got %d units, want %d", got, want)
	}
	c, o := m.Units[0], m.Units[1]
	got := map[string]any{
		"ids":           []string{c.ID, o.ID},
		"sink":          c.Sink.Table.String(),
		"orders sink":   o.Sink.Table.String(),
		"source":        o.Source.Table.String(),
		"customer mode": c.Sink.Strategy.Mode,
		"orders mode":   o.Sink.Strategy.Mode,
		"orders key":    o.Sink.Strategy.UniqueKey,
		"needs":         o.Needs,
		"dsn":           c.Source.Config["dsn"],
		"path":          c.Sink.Config["path"],
		"contract":      o.SchemaContract["enforcement"],
		"process":       o.ProcessName,
		"incremental":   c.Source.Options["incremental_column"],
		"state backend": m.State.Backend,
		"state path":    m.State.Path,
	}
	want := map[string]any{
		"ids":           []string{"public.customers", "public.orders"},
		"sink":          "landing__shop__oltp.public__customers",
		"orders sink":   "landing__shop__oltp.public__orders",
		"source":        "public.orders",
		"customer mode": "incremental_merge",
		"orders mode":   "incremental_append",
		"orders key":    []string{"id"},
		"needs":         []string{"public.customers"},
		"dsn":           testEnv["DPONE_CONN_SHOP_PG_DSN"],
		"path":          "./warehouse.duckdb",
		"contract":      "quarantine",
		"process":       "shop_landing.public.orders",
		"incremental":   "updated_at",
		"state backend": "sqlite",
		"state path":    filepath.Join(m.Dir, ".dpone", "state.db"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("design example (-want +got):\n%s", diff)
	}
}

func TestParseWithoutPathAndLoadErrors(t *testing.T) {
	src, err := os.ReadFile("testdata/design.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(src, "", MapEnv(testEnv))
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if m.Dir != wd {
		t.Errorf("got Dir %q, want the working directory %q", m.Dir, wd)
	}
	if _, err := Load("testdata/nope.yaml", Options{}); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	m, err := Load("testdata/design.yaml", MapEnv(testEnv))
	if err != nil {
		t.Fatal(err)
	}
	u := m.Units[0]
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{
		"json":   string(b),
		"%v":     fmt.Sprintf("%v", u.Source),
		"%+v":    fmt.Sprintf("%+v", *u),
		"redact": fmt.Sprintf("%v", u.Source.RedactedConfig()),
	} {
		if strings.Contains(s, "s3cret") {
			t.Errorf("%s: password leaked: %s", name, s)
		}
	}
	if got, want := u.Source.RedactedConfig()["dsn"], "postgres://shop:***@127.0.0.1:5432/shop"; got != want {
		t.Errorf("got redacted dsn %q, want %q", got, want)
	}
	if got, want := u.Sink.RedactedConfig()["path"], "./warehouse.duckdb"; got != want { // a path is no secret
		t.Errorf("got redacted path %q, want %q", got, want)
	}
	raw, err := json.Marshal(u.Source.Config)
	if err != nil || !strings.Contains(string(raw), "s3cret") {
		t.Errorf("got %s, %v; want the real config when marshalled on its own (it goes to the plugin)", raw, err)
	}
}

// TestParseConcurrent checks that Parse keeps no shared mutable state
// (run with -race).
func TestParseConcurrent(t *testing.T) {
	src, err := os.ReadFile("testdata/layering.yaml")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := Parse(src, "testdata/layering.yaml", MapEnv(testEnv))
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestPluginsBlock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.yaml")
	src := "kind: dpone.batch.v1\nmetadata: {id: p}\nplugins: {dir: bin, lock_file: /etc/dpone/lock.json}\n" +
		"defaults: {source: {type: file}, sink: {type: duckdb}}\nschemas: {s: {tables: [t]}}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path, MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := PluginsConfig{Dir: filepath.Join(dir, "bin"), LockFile: "/etc/dpone/lock.json"}
	if m.Plugins != want {
		t.Errorf("plugins: got %+v, want %+v", m.Plugins, want)
	}
}
