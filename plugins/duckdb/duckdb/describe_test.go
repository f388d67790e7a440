package duckdb

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// DescribeStream gives the schema Read would produce, for a table and for
// a query, without reading rows.
func TestDescribeStream(t *testing.T) {
	c := New().(*Connector)
	ctx := context.Background()
	cfg, _ := json.Marshal(Config{Path: filepath.Join(t.TempDir(), "d.duckdb")})
	d, err := c.openConfig(ctx, cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE main.ds (id BIGINT PRIMARY KEY, name VARCHAR, price DECIMAL(18,4))`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  sdk.ReadRequest
		want []string
	}{
		{"table", sdk.ReadRequest{Namespace: "main", Stream: "ds"}, []string{"id int64", "name utf8", "price decimal(18, 4)"}},
		{"query", sdk.ReadRequest{Stream: "q", Options: json.RawMessage(`{"query": "select id, upper(name) as shout from main.ds"}`)},
			[]string{"id int64", "shout utf8"}},
		{"projection", sdk.ReadRequest{Namespace: "main", Stream: "ds", Columns: []string{"price"}}, []string{"price decimal(18, 4)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Config = cfg
			st, err := c.DescribeStream(ctx, tt.req)
			if err != nil {
				t.Fatalf("DescribeStream: %v", err)
			}
			var got []string
			for _, f := range st.Schema.Fields() {
				got = append(got, f.Name+" "+f.Type.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := c.DescribeStream(ctx, sdk.ReadRequest{Config: cfg, Namespace: "main", Stream: "nope"}); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("missing table: got %v, want NOT_FOUND", err)
	}
}

// TestSourceTypeNotes: a DuckDB source says what its types can hold, so a
// sink notes only real changes: no interval truncation (DuckDB intervals
// hold microseconds), but a note for types read as text (TIMETZ, ENUM).
func TestSourceTypeNotes(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TYPE mood AS ENUM ('ok', 'sad')`)
	f.exec(`CREATE TABLE main.src (iv INTERVAL, ttz TIMETZ, m mood, v VARCHAR)`)
	st, err := f.c.DescribeStream(context.Background(), sdk.ReadRequest{Config: f.cfg, Namespace: "main", Stream: "src"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"iv": "", "ttz": "TIME WITH TIME ZONE has no dpone type: stored as VARCHAR", "m": "has no dpone type: stored as VARCHAR", "v": ""}
	for _, fld := range st.Schema.Fields() {
		got := f.c.TypeLoss(fld)
		if w := want[fld.Name]; (w == "") != (got == "") || !strings.Contains(got, w) {
			t.Errorf("column %s: lossy note %q, want one containing %q", fld.Name, got, w)
		}
	}
}

// TestSourceKeyPositions: a DuckDB source states its primary key on the
// fields (in key order), only when the read holds the whole key, and a
// full_refresh target created from it gets that key.
func TestSourceKeyPositions(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.src (v VARCHAR, b INTEGER, a INTEGER, PRIMARY KEY (a, b))`)
	f.exec(`INSERT INTO main.src VALUES ('x', 1, 2)`)
	ctx := context.Background()
	positions := func(cols []string) map[string]string {
		st, err := f.c.DescribeStream(ctx, sdk.ReadRequest{Config: f.cfg, Namespace: "main", Stream: "src", Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, fld := range st.Schema.Fields() {
			if v, ok := fld.Metadata.GetValue(metaPrimaryKey); ok {
				out[fld.Name] = v
			}
		}
		return out
	}
	if diff := cmp.Diff(map[string]string{"a": "1", "b": "2"}, positions(nil)); diff != "" {
		t.Errorf("whole table (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{}, positions([]string{"v", "b"})); diff != "" {
		t.Errorf("projection without a: (-want +got):\n%s", diff)
	}
	w := &memWriter{}
	if err := f.c.Read(ctx, sdk.ReadRequest{Config: f.cfg, Namespace: "main", Stream: "src"}, w); err != nil {
		t.Fatal(err)
	}
	f.load(f.req("keys-1", "copy", sdk.ModeFullRefresh, w.schema), w.recs...)
	got := f.rows("SELECT constraint_column_names::VARCHAR FROM duckdb_constraints() WHERE table_name = 'copy' AND constraint_type = 'PRIMARY KEY'")
	if diff := cmp.Diff([][]any{{"[a, b]"}}, got); diff != "" {
		t.Errorf("primary key of the created table (-want +got):\n%s", diff)
	}
}
