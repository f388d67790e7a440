package duckdb

import (
	"context"
	"encoding/json"
	"path/filepath"
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
