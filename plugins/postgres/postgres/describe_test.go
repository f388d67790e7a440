package postgres

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// DescribeStream gives the schema Read would produce, for a table and for
// a query, without reading rows.
func TestDescribeStream(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `DROP TABLE IF EXISTS public.ds`)
	mustExec(t, conn, `CREATE TABLE public.ds (id bigint PRIMARY KEY, name text, price numeric(18,4))`)
	c := &Connector{}
	ctx := context.Background()
	tests := []struct {
		name string
		req  sdk.ReadRequest
		want []string
		pk   []string
	}{
		{"table", sdk.ReadRequest{Namespace: "public", Stream: "ds"}, []string{"id int64", "name utf8", "price decimal(18, 4)"}, []string{"id"}},
		{"query", sdk.ReadRequest{Stream: "q", Options: json.RawMessage(`{"query": "select id, upper(name) as shout from public.ds"}`)},
			[]string{"id int64", "shout utf8"}, nil},
		{"projection", sdk.ReadRequest{Namespace: "public", Stream: "ds", Columns: []string{"price"}}, []string{"price decimal(18, 4)"}, []string{"id"}},
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
			if diff := cmp.Diff(tt.pk, st.PrimaryKey); diff != "" {
				t.Errorf("primary key (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := c.DescribeStream(ctx, sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "nope"}); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("missing table: got %v, want NOT_FOUND", err)
	}
}
