package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/page"
)

// benchPages serves pages of 1000 records (page_number pagination),
// rendered once: the server costs next to nothing.
func benchPages(b *testing.B, pages int) *httptest.Server {
	b.Helper()
	bodies := make([][]byte, pages+1)
	for p := range pages {
		var buf bytes.Buffer
		buf.WriteString(`{"data":[`)
		for i := range 1000 {
			if i > 0 {
				buf.WriteByte(',')
			}
			id := p*1000 + i + 1
			fmt.Fprintf(&buf, `{"id":%d,"status":"placed","amount":%d.25,"updated_at":"2024-01-01T00:00:%02dZ","customer":{"id":%d,"name":"customer %d"}}`, id, id%1000, i%60, id%97, id%97)
		}
		buf.WriteString(`]}`)
		bodies[p] = buf.Bytes()
	}
	bodies[pages] = []byte(`{"data":[]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/json")
		w.Write(bodies[min(max(p-1, 0), pages)])
	}))
	b.Cleanup(srv.Close)
	return srv
}

// discard is a RecordWriter that drops what it gets.
type discard struct{ rows int64 }

func (d *discard) Schema(*arrow.Schema) error        { return nil }
func (d *discard) Write(rec arrow.RecordBatch) error { d.rows += rec.NumRows(); return nil }
func (d *discard) Checkpoint([]byte) error           { return nil }
func (d *discard) Progress(int64, int64) error       { return nil }
func (d *discard) Log(sdk.LogLevel, string) error    { return nil }
func (d *discard) BatchBytes() int                   { return 1 << 20 }

const benchPagesN = 50

// BenchmarkRead reads 50 pages of 1000 records through the connector
// into Arrow batches (records/s).
func BenchmarkRead(b *testing.B) {
	srv := benchPages(b, benchPagesN)
	cfg := json.RawMessage(`{"base_url":"` + srv.URL + `","resources":[{"name":"orders","path":"/orders","records_path":"$.data",
	 "paginator":{"type":"page_number","limit":1000},"columns":[{"name":"id","type":"int64"},{"name":"status","type":"string"},
	 {"name":"amount","type":"decimal(12,2)"},{"name":"updated_at","type":"timestamp"},{"name":"customer","type":"json"}],"infer":false}]}`)
	b.ResetTimer()
	for b.Loop() {
		d := &discard{}
		if err := New().(*Connector).Read(context.Background(), sdk.ReadRequest{Config: cfg, Stream: "orders", Mode: sdk.ReadFull}, d); err != nil {
			b.Fatal(err)
		}
		if d.rows != benchPagesN*1000 {
			b.Fatalf("got %d rows", d.rows)
		}
	}
	b.ReportMetric(float64(b.N*benchPagesN*1000)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPlainLoop is the limit: the same pages fetched and decoded by
// a plain Go loop (encoding/json into structs, no Arrow).
func BenchmarkPlainLoop(b *testing.B) {
	srv := benchPages(b, benchPagesN)
	type order struct {
		ID        int64           `json:"id"`
		Status    string          `json:"status"`
		Amount    json.Number     `json:"amount"`
		UpdatedAt string          `json:"updated_at"`
		Customer  json.RawMessage `json:"customer"`
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for p := 1; ; p++ {
			resp, err := http.Get(srv.URL + "/orders?page=" + strconv.Itoa(p))
			if err != nil {
				b.Fatal(err)
			}
			var page struct{ Data []order }
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			if len(page.Data) == 0 {
				break
			}
			n += len(page.Data)
		}
		if n != benchPagesN*1000 {
			b.Fatalf("got %d records", n)
		}
	}
	b.ReportMetric(float64(b.N*benchPagesN*1000)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkDecode is the decode cost alone (ns/record): one page of 1000
// records scanned, split into the fixed schema's slots and appended to
// Arrow builders, with no HTTP and no batch writes.
func BenchmarkDecode(b *testing.B) {
	var body bytes.Buffer
	body.WriteString(`{"data":[`)
	for i := range 1000 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":%d,"status":"placed","amount":%d.25,"updated_at":"2024-01-01T00:00:%02dZ","customer":{"id":%d,"name":"customer %d"}}`, i+1, i%1000, i%60, i%97, i%97)
	}
	body.WriteString(`]}`)
	cfg := json.RawMessage(`{"base_url":"http://127.0.0.1:1","resources":[{"name":"orders","path":"/orders","records_path":"$.data",
	 "columns":[{"name":"id","type":"int64"},{"name":"status","type":"string"},
	 {"name":"amount","type":"decimal(12,2)"},{"name":"updated_at","type":"timestamp"},{"name":"customer","type":"json"}],"infer":false}]}`)
	c, err := parseConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	res, err := c.resource("orders", nil)
	if err != nil {
		b.Fatal(err)
	}
	d := &discard{}
	r := &reader{res: res, out: d, warned: map[string]bool{}, st: &state{}}
	if err := r.fix(); err != nil {
		b.Fatal(err)
	}
	scan := &page.Scan{Records: mustCompile(b, "$.data"), OnRecord: func(raw []byte) error { return r.take(raw, nil, nil) }}
	b.SetBytes(int64(body.Len()))
	b.ResetTimer()
	for b.Loop() {
		if err := scan.Read(bytes.NewReader(body.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.b.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/record")
}

func mustCompile(b *testing.B, p string) *page.Path {
	rp, err := page.Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	return rp
}
