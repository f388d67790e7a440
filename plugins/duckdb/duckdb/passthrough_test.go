package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// payloads is an sdk.PayloadReader over fixed payloads.
type payloads struct {
	data [][]byte
	rows []int64
}

func (p *payloads) Next() ([]byte, int64, error) {
	if len(p.data) == 0 {
		return nil, 0, io.EOF
	}
	d, r := p.data[0], p.rows[0]
	p.data, p.rows = p.data[1:], p.rows[1:]
	return d, r, nil
}

// TestParquetFilesPayloadEqualsArrow loads two Parquet files both ways,
// the files named to DuckDB (read_parquet) and their rows through Arrow,
// and compares the targets row for row (EXCEPT ALL both ways).
func TestParquetFilesPayloadEqualsArrow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	var paths []string
	for i, rng := range [][2]int{{1, 2000}, {2001, 3000}} {
		p := filepath.Join(dir, fmt.Sprintf("part_%d.parquet", i))
		paths = append(paths, p)
		f.exec(fmt.Sprintf(`COPY (SELECT g::BIGINT AS id, (g %% 300)::INT AS qty, g / 7.0 AS score, (g * 1.25)::DECIMAL(18,4) AS price,
			CASE WHEN g %% 5 = 0 THEN NULL ELSE 'item ' || g || ' ✓' END AS name, g %% 2 = 0 AS ok, DATE '2020-01-01' + g::INT AS day,
			TIMESTAMP '2026-01-01 00:00:00.123456' + g * INTERVAL 1 SECOND AS ts,
			TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * INTERVAL 1 MINUTE AS at, ('\x01' || g)::BLOB AS bin,
			CASE WHEN g %% 7 = 0 THEN NULL ELSE md5(g::VARCHAR)::UUID::VARCHAR END AS ref,
			CASE WHEN g %% 9 = 0 THEN NULL ELSE '{"n": ' || g || ', "x": [1, 2.50]}' END AS doc
			FROM range(%d, %d) t(g)) TO '%s' (FORMAT parquet)`, rng[0], rng[1]+1, p))
	}
	schema, recs, want := sdktest.ReadParquet(t, paths[0])
	// The file source marks uuid and json strings (dpone.logical): staging
	// gets UUID and JSON columns on both paths.
	fields := schema.Fields()
	for i, f := range fields {
		if l := map[string]string{"ref": sdk.LogicalUUID, "doc": sdk.LogicalJSON}[f.Name]; l != "" {
			fields[i].Metadata = arrow.NewMetadata([]string{sdk.MetaLogical}, []string{l})
		}
	}
	schema = arrow.NewSchema(fields, nil)
	_, recs2, want2 := sdktest.ReadParquet(t, paths[1])
	recs, want = append(recs, recs2...), want+want2

	f.load(f.req("arrow-1", "arrowed", sdk.ModeFullRefresh, schema), recs...)

	req := f.req("native-1", "native", sdk.ModeFullRefresh, schema)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if reason, err := f.c.AcceptPayload(ctx, req, sdk.PayloadParquetFiles); err != nil || reason != "" {
		t.Fatalf("AcceptPayload: got %q, %v; want accepted", reason, err)
	}
	in := &payloads{}
	for i, p := range paths {
		in.data = append(in.data, sdk.ParquetFiles{Files: []string{p}, Columns: fieldNames(schema)}.Encode())
		in.rows = append(in.rows, []int64{2000, 1000}[i])
	}
	res, err := f.c.WritePayload(ctx, req, sdk.PayloadParquetFiles, in)
	if err != nil || res.Rows != want {
		t.Fatalf("WritePayload: got %d rows, %v; want %d", res.Rows, err, want)
	}
	if _, err := f.c.CommitLoad(ctx, req, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	var quoted []string
	for _, n := range fieldNames(schema) {
		quoted = append(quoted, quote(n))
	}
	cols := strings.Join(quoted, ", ")
	for _, q := range []string{
		"SELECT count(*) FROM (SELECT " + cols + " FROM landing.arrowed EXCEPT ALL SELECT " + cols + " FROM landing.native)",
		"SELECT count(*) FROM (SELECT " + cols + " FROM landing.native EXCEPT ALL SELECT " + cols + " FROM landing.arrowed)",
	} {
		if got := f.rows(q); fmt.Sprint(got) != "[[0]]" {
			t.Errorf("%s: got %v, want 0 rows that differ", q, got)
		}
	}
	if got := f.rows("SELECT count(*) FROM landing.native"); fmt.Sprint(got) != fmt.Sprintf("[[%d]]", want) {
		t.Errorf("native target: got %v rows, want %d", got, want)
	}
	// A file whose row count is not the source's: the load fails.
	req = f.req("native-2", "native", sdk.ModeFullRefresh, schema)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	in = &payloads{data: [][]byte{sdk.ParquetFiles{Files: paths[:1], Columns: fieldNames(schema)}.Encode()}, rows: []int64{1999}}
	if _, err := f.c.WritePayload(ctx, req, sdk.PayloadParquetFiles, in); err == nil || !strings.Contains(err.Error(), "inserted 2000 rows, the source counted 1999") {
		t.Errorf("row count mismatch: got %v", err)
	}
	_ = os.Remove(paths[0])
}

// TestAcceptPayloadRefusesInexactTypes: types DuckDB's Parquet reader may
// give otherwise than the Arrow path go through Arrow.
func TestAcceptPayloadRefusesInexactTypes(t *testing.T) {
	f := newFixture(t)
	for _, fld := range []arrow.Field{
		{Name: "ref", Type: arrow.BinaryTypes.Binary, Metadata: arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalUUID})},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	} {
		req := f.req("r", "t", sdk.ModeFullRefresh, arrow.NewSchema([]arrow.Field{fld}, nil))
		reason, err := f.c.AcceptPayload(context.Background(), req, sdk.PayloadParquetFiles)
		if err != nil || !strings.HasPrefix(reason, "column "+fld.Name+": ") {
			t.Errorf("%s: got %q, %v; want a refusal naming the column", fld.Name, reason, err)
		}
	}
}
