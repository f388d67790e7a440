package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func (f *fixture) read(req sdk.ReadRequest) (*memWriter, error) {
	req.Config = f.cfg
	w := &memWriter{}
	err := f.c.Read(context.Background(), req, w)
	return w, err
}

func TestDiscover(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE SCHEMA shop`)
	f.exec(`CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, updated_at TIMESTAMP, note VARCHAR, tags VARCHAR[])`)
	f.exec(`INSERT INTO shop.orders VALUES (1, now()::TIMESTAMP, 'a', ['x'])`)
	f.exec(`CREATE TABLE main.other (k INTEGER)`)
	f.load(f.req("l1", "t", sdk.ModeAppend, idName), idNameRecord(t, 1, "a")) // creates landing._dpone_loads

	tests := []struct {
		selector []string
		want     []string
	}{
		{nil, []string{"landing.t", "main.other", "shop.orders"}},
		{[]string{"shop"}, []string{"shop.orders"}},
		{[]string{"*.o*"}, []string{"main.other", "shop.orders"}},
		{[]string{"t"}, []string{"landing.t"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.selector), func(t *testing.T) {
			streams, err := f.c.Discover(context.Background(), f.cfg, tt.selector)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range streams {
				got = append(got, s.Namespace+"."+s.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("streams (-want +got):\n%s", diff)
			}
		})
	}
	streams, err := f.c.Discover(context.Background(), f.cfg, []string{"shop.orders"})
	if err != nil || len(streams) != 1 {
		t.Fatalf("Discover: %v, %d streams", err, len(streams))
	}
	s := streams[0]
	if diff := cmp.Diff([]string{"id"}, s.PrimaryKey); diff != "" {
		t.Errorf("primary key (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"id", "updated_at"}, s.CursorCandidates); diff != "" {
		t.Errorf("cursor candidates (-want +got):\n%s", diff)
	}
	if s.RowEstimate != 1 {
		t.Errorf("got row estimate %d, want 1", s.RowEstimate)
	}
	wantTypes := []arrow.DataType{arrow.PrimitiveTypes.Int64, &arrow.TimestampType{Unit: arrow.Microsecond},
		arrow.BinaryTypes.String, arrow.ListOf(arrow.BinaryTypes.String)}
	for i, wt := range wantTypes {
		if got := s.Schema.Field(i).Type; !arrow.TypeEqual(got, wt) {
			t.Errorf("column %d: got %s, want %s", i, got, wt)
		}
	}
	if s.Schema.Field(0).Nullable {
		t.Errorf("primary key column id: got nullable, want not null")
	}
}

func TestReadQueryAndColumns(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.t AS SELECT i AS id, 'n' || i AS name, i * 1.5 AS x FROM range(10) r(i)`)
	w, err := f.read(sdk.ReadRequest{Stream: "t", Columns: []string{"name", "id"}, Mode: sdk.ReadFull})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(w.values()); got != 10 {
		t.Errorf("got %d rows, want 10", got)
	}
	if got := w.schema.Field(0).Name; got != "name" {
		t.Errorf("got first column %q, want name", got)
	}
	w, err = f.read(sdk.ReadRequest{Options: json.RawMessage(`{"query":"select id, x from t where id >= 8 order by id","batch_bytes":1024}`)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]any{{int64(8), "12"}, {int64(9), "13.5"}}, w.values()); diff != "" {
		t.Errorf("query rows (-want +got):\n%s", diff)
	}
}

func TestReadSmallBatches(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.t AS SELECT i AS id, repeat('x', 100) AS pad FROM range(5000) r(i)`)
	w := &memWriter{batchBytes: 64 << 10}
	if err := f.c.Read(context.Background(), sdk.ReadRequest{Config: f.cfg, Stream: "t"}, w); err != nil {
		t.Fatal(err)
	}
	if len(w.recs) < 5 {
		t.Errorf("got %d records for ~550 KB at 64 KiB batches, want at least 5", len(w.recs))
	}
	if got := len(w.values()); got != 5000 {
		t.Errorf("got %d rows, want 5000", got)
	}
}

func TestReadErrors(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.t (id INTEGER, ts TIMESTAMP)`)
	tests := []struct {
		name string
		req  sdk.ReadRequest
		want sdk.Code
	}{
		{"missing table", sdk.ReadRequest{Stream: "nope"}, sdk.CodeNotFound},
		{"unknown option", sdk.ReadRequest{Stream: "t", Options: json.RawMessage(`{"format":"csv"}`)}, sdk.CodeConfig},
		{"unknown strategy", sdk.ReadRequest{Stream: "t", Options: json.RawMessage(`{"incremental_strategy":"xmin"}`)}, sdk.CodeUnsupported},
		{"strategy without column", sdk.ReadRequest{Stream: "t", Options: json.RawMessage(`{"incremental_strategy":"column"}`)}, sdk.CodeConfig},
		{"cursor not a column", sdk.ReadRequest{Stream: "t", Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"x"}`)}, sdk.CodeConfig},
		{"incremental without options", sdk.ReadRequest{Stream: "t", Mode: sdk.ReadIncremental}, sdk.CodeConfig},
		{"unknown column", sdk.ReadRequest{Stream: "t", Columns: []string{"zz"}}, sdk.CodeSchema},
		{"bad state", sdk.ReadRequest{Stream: "t", Mode: sdk.ReadIncremental, PriorState: []byte(`{"v":7,"cursor":"1"}`),
			Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"id"}`)}, sdk.CodeConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.read(tt.req)
			if got := sdk.CodeOf(err); got != tt.want {
				t.Errorf("got %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

// TestReadQualifiedStreamHint: "dpone read duckdb landing.t" names the
// schema in the stream; the error says to pass --namespace.
func TestReadQualifiedStreamHint(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE SCHEMA landing`)
	f.exec(`CREATE TABLE landing.t (id INTEGER)`)
	_, err := f.read(sdk.ReadRequest{Stream: "landing.t"})
	if got := sdk.CodeOf(err); got != sdk.CodeNotFound {
		t.Fatalf("got %v (%v), want NOT_FOUND", got, err)
	}
	for _, want := range []string{"--namespace landing", "stream t"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: want it to contain %q", err, want)
		}
	}
}
