package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

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

// httpConfig is the fixture's config with http_url set to the test
// server's HTTP interface.
func (f *fixture) httpConfig() json.RawMessage {
	f.t.Helper()
	h := os.Getenv("DPONE_TEST_CH_HTTP")
	if h == "" {
		f.t.Skip("DPONE_TEST_CH_HTTP not set: run via make test (scripts/clickhouse.sh start)")
	}
	cfg, _ := json.Marshal(Config{DSN: testDSN, HTTPURL: h})
	return cfg
}

func pqMeta(k, v string) arrow.Metadata { return arrow.NewMetadata([]string{k}, []string{v}) }

// pqSchema has every type the passthrough accepts: the bench's columns
// (bigint, int, numeric(18,4), text, varchar, bool, timestamptz, date,
// jsonb, uuid, as scripts/bench/parquetgen writes them) and more.
var pqSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "title", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: pqMeta(sdk.MetaMaxLength, "8")},
	{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "created_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "attrs", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: pqMeta(sdk.MetaLogical, sdk.LogicalJSON)},
	{Name: "ref", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: pqMeta(sdk.MetaLogical, sdk.LogicalUUID)},
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
	{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "big", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
	{Name: "local_ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "Europe/Berlin"}, Nullable: true},
	{Name: "ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// writeParquet writes rows from..to-1 of pqSchema to a Parquet file with
// pqarrow (as parquetgen does), in row groups of 300 rows; every column
// but id has NULLs, and the first rows hold edge values.
func writeParquet(t *testing.T, path string, from, to int) {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, pqSchema)
	defer b.Release()
	base := time.Date(2026, 1, 1, 0, 0, 0, 123456000, time.UTC)
	edge := []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2262, 4, 11, 23, 47, 16, 854775000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(1677, 9, 21, 0, 12, 44, 0, time.UTC)}
	for i := from; i < to; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i) * 1e12)
		at := base.Add(time.Duration(i) * 1234567891 * time.Nanosecond)
		if k := i - from; k < len(edge) {
			at = edge[k]
		}
		for c := 1; c < len(pqSchema.Fields()); c++ {
			if (i+c)%7 == 0 {
				b.Field(c).AppendNull()
				continue
			}
			name := pqSchema.Field(c).Name
			switch fb := b.Field(c).(type) {
			case *array.Int8Builder:
				fb.Append(int8(i % 256))
			case *array.Int16Builder:
				fb.Append(int16(-i * 3))
			case *array.Int32Builder:
				fb.Append(int32(i*2654435761) ^ int32(i))
			case *array.Uint8Builder:
				fb.Append(uint8(i))
			case *array.Uint16Builder:
				fb.Append(uint16(65535 - i))
			case *array.Uint32Builder:
				fb.Append(uint32(4294967295 - i))
			case *array.Uint64Builder:
				fb.Append(18446744073709551615 - uint64(i))
			case *array.Float32Builder:
				fb.Append(float32(i) / 3)
			case *array.Float64Builder:
				fb.Append(float64(i)/7 - 1e300*float64(i%2))
			case *array.Decimal128Builder:
				scale := fb.Type().(*arrow.Decimal128Type).Scale
				d, err := decimal128.FromString(fmt.Sprintf("%d.%d", i*98765-4000000, i%10000), 38, scale)
				if err != nil {
					t.Fatal(err)
				}
				if name == "big" && i%3 == 0 {
					d, _ = decimal128.FromString("-9999999999999999999999999999.9999999999", 38, 10)
				}
				fb.Append(d)
			case *array.StringBuilder:
				switch name {
				case "attrs":
					fb.Append(fmt.Sprintf(`{"n": %d, "x": [1, 2.50, "✓"], "k": {"z": null}}`, i))
				case "ref":
					fb.Append(fmt.Sprintf("%08X-e89b-12d3-a456-%012x", i, i*7919))
				case "code":
					fb.Append(fmt.Sprintf("C%05d", i))
				default:
					fb.Append(fmt.Sprintf("item %d 'quoted' \\ ✓ \t\n%s", i, strings.Repeat("x", i%50)))
				}
			case *array.BinaryBuilder:
				fb.Append([]byte{0, byte(i), 255, '\\', '\''})
			case *array.BooleanBuilder:
				fb.Append(i%2 == 0)
			case *array.Date32Builder:
				fb.Append(arrow.Date32FromTime(base.AddDate(0, 0, i*29-40000)))
			case *array.TimestampBuilder:
				u := fb.Type().(*arrow.TimestampType).Unit
				v, err := arrow.TimestampFromTime(at, u)
				if err != nil {
					t.Fatal(err)
				}
				fb.Append(v)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(pqSchema, out, parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(300)),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// pqLineage is the lineage block of both loads of a comparison.
var pqLineage = &sdk.Lineage{RunID: "run-pq", LoadedAt: "2026-12-05T10:11:12.123456789Z", RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}

// passthrough stages files with AcceptPayload and WritePayload, one
// payload per file, and returns the write's result.
func (f *fixture) passthrough(req sdk.LoadRequest, paths []string, rows []int64) (sdk.WriteResult, error) {
	f.t.Helper()
	if _, err := f.c.BeginLoad(f.ctx, req); err != nil {
		f.t.Fatalf("BeginLoad %s: %v", req.LoadID, err)
	}
	if reason, err := f.c.AcceptPayload(f.ctx, req, sdk.PayloadParquetFiles); err != nil || reason != "" {
		f.t.Fatalf("AcceptPayload %s: got %q, %v; want accepted", req.LoadID, reason, err)
	}
	return f.c.WritePayload(f.ctx, req, sdk.PayloadParquetFiles, parquetPayloads(req.Schema, paths, rows))
}

func parquetPayloads(schema *arrow.Schema, paths []string, rows []int64) *payloads {
	in := &payloads{}
	for i, p := range paths {
		in.data = append(in.data, sdk.ParquetFiles{Files: []string{p}, Columns: fieldNames(schema)}.Encode())
		in.rows = append(in.rows, rows[i])
	}
	return in
}

// sameTables fails unless tables a and b have the same columns, types and
// rows (EXCEPT ALL both ways, lineage columns included; versions differ
// by when each load published).
func (f *fixture) sameTables(a, b string, want int64) {
	f.t.Helper()
	var ta, tb string
	f.scalar(fmt.Sprintf("SELECT arrayStringConcat(groupArray(name || ' ' || type), ', ') FROM (SELECT name, type FROM system.columns WHERE database = '%s' AND table = '%s' ORDER BY position)", testDB, a), &ta)
	f.scalar(fmt.Sprintf("SELECT arrayStringConcat(groupArray(name || ' ' || type), ', ') FROM (SELECT name, type FROM system.columns WHERE database = '%s' AND table = '%s' ORDER BY position)", testDB, b), &tb)
	if ta != tb {
		f.t.Errorf("column types: %s has %s, %s has %s", a, ta, b, tb)
	}
	qa, qb := qualified(testDB, a), qualified(testDB, b)
	for _, q := range []string{
		"SELECT count() FROM (SELECT * EXCEPT (" + versionColumn + ") FROM " + qa + " EXCEPT ALL SELECT * EXCEPT (" + versionColumn + ") FROM " + qb + ")",
		"SELECT count() FROM (SELECT * EXCEPT (" + versionColumn + ") FROM " + qb + " EXCEPT ALL SELECT * EXCEPT (" + versionColumn + ") FROM " + qa + ")",
	} {
		var n uint64
		f.scalar(q, &n)
		if n != 0 {
			f.t.Errorf("%s: got %d rows that differ, want 0", q, n)
		}
	}
	var n uint64
	f.scalar("SELECT count() FROM "+qb, &n)
	if int64(n) != want {
		f.t.Errorf("%s: got %d rows, want %d", b, n, want)
	}
}

// TestParquetPassthroughEqualsArrow loads two Parquet files both ways, the
// files streamed to the server (FORMAT Parquet over HTTP) and their rows
// through Arrow as the file source reads them, and compares the targets:
// same column types, same rows, lineage columns included.
func TestParquetPassthroughEqualsArrow(t *testing.T) {
	f := newFixture(t)
	f.cfg = f.httpConfig()
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "part_0.parquet"), filepath.Join(dir, "part_1.parquet")}
	writeParquet(t, paths[0], 1, 2001)
	writeParquet(t, paths[1], 2001, 3001)
	schema, recs, n0 := sdktest.ReadParquet(t, paths[0])
	_, recs1, n1 := sdktest.ReadParquet(t, paths[1])
	for i, fld := range schema.Fields() {
		want := pqSchema.Field(i)
		lg, _ := fld.Metadata.GetValue(sdk.MetaLogical)
		wantLg, _ := want.Metadata.GetValue(sdk.MetaLogical)
		if fld.Name != want.Name || !arrow.TypeEqual(fld.Type, want.Type) || fld.Nullable != want.Nullable || lg != wantLg {
			t.Fatalf("the file's field %d reads back as %s, want %s", i, fld, want)
		}
	}
	for _, tc := range []struct {
		mode string
		keys []string
	}{{sdk.ModeFullRefresh, nil}, {sdk.ModeMerge, []string{"id"}}} {
		t.Run(tc.mode, func(t *testing.T) {
			arrowReq := f.req("pq-arrow-"+tc.mode, "pq_arrow_"+tc.mode, tc.mode, schema, tc.keys...)
			arrowReq.Load.Lineage = pqLineage
			f.load(arrowReq, append(append([]arrow.RecordBatch(nil), recs...), recs1...)...)

			req := f.req("pq-native-"+tc.mode, "pq_native_"+tc.mode, tc.mode, schema, tc.keys...)
			req.Load.Lineage = pqLineage
			res, err := f.passthrough(req, paths, []int64{n0, n1})
			if err != nil || res.Rows != n0+n1 {
				t.Fatalf("WritePayload: got %d rows, %v; want %d", res.Rows, err, n0+n1)
			}
			if _, err := f.c.CommitLoad(f.ctx, req, json.RawMessage(`{}`)); err != nil {
				t.Fatal(err)
			}
			f.sameTables("pq_arrow_"+tc.mode, "pq_native_"+tc.mode, n0+n1)
		})
	}
}

// TestParquetPassthroughRetried: a Write sent again stores each file once
// (the deduplication tokens), and a file whose row count is not the
// source's fails the load.
func TestParquetPassthroughRetried(t *testing.T) {
	f := newFixture(t)
	f.cfg = f.httpConfig()
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")}
	writeParquet(t, paths[0], 1, 1001)
	writeParquet(t, paths[1], 1001, 1501)
	req := f.req("pq-retry", "pq_retry", sdk.ModeAppend, pqSchema)
	if _, err := f.passthrough(req, paths, []int64{1000, 500}); err != nil {
		t.Fatal(err)
	}
	res, err := f.c.WritePayload(f.ctx, req, sdk.PayloadParquetFiles, parquetPayloads(pqSchema, paths, []int64{1000, 500}))
	if err != nil || res.Rows != 1500 {
		t.Fatalf("second WritePayload: got %d rows, %v; want 1500 (as the server counts them)", res.Rows, err)
	}
	var n uint64
	f.scalar("SELECT count() FROM "+qualified(testDB, sdk.StagingName("pq-retry")), &n)
	if n != 1500 {
		t.Errorf("staging after a re-sent Write: got %d rows, want 1500", n)
	}
	if _, err := f.c.CommitLoad(f.ctx, req, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	f.scalar("SELECT count() FROM "+qualified(testDB, "pq_retry"), &n)
	if n != 1500 {
		t.Errorf("target: got %d rows, want 1500", n)
	}

	req = f.req("pq-count", "pq_count", sdk.ModeAppend, pqSchema)
	_, err = f.passthrough(req, paths[:1], []int64{999})
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "the server wrote 1000 rows, the source counted 999") {
		t.Errorf("row count mismatch: got %v (code %s), want a DATA error", err, sdk.CodeOf(err))
	}
}

// TestParquetPassthroughRefusesNulls: a NULL for a column that is not
// Nullable fails the load with a DATA error, as in the Arrow path (the
// server would otherwise store the type's default).
func TestParquetPassthroughRefusesNulls(t *testing.T) {
	f := newFixture(t)
	f.cfg = f.httpConfig()
	path := filepath.Join(t.TempDir(), "nulls.parquet")
	writeParquet(t, path, 1, 101) // qty has NULLs
	fields := pqSchema.Fields()
	fields[1].Nullable = false
	schema := arrow.NewSchema(fields, nil)
	_, err := f.passthrough(f.req("pq-nulls", "pq_nulls", sdk.ModeFullRefresh, schema), []string{path}, []int64{100})
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "qty") {
		t.Errorf("got %v (code %s), want a DATA error naming qty", err, sdk.CodeOf(err))
	}
}

// TestAcceptPayloadRefuses: without http_url, for a type the Parquet
// reader may store otherwise, or when staging's type is not the Arrow
// path's, the load goes through Arrow, with the reason.
func TestAcceptPayloadRefuses(t *testing.T) {
	f := newFixture(t)
	plain := f.cfg
	f.cfg = f.httpConfig()
	ctx := context.Background()
	one := func(fld arrow.Field) *arrow.Schema {
		return arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, fld}, nil)
	}
	f.exec("CREATE TABLE " + qualified(testDB, "pq_existing") + " (id Int64, v Int32) ENGINE = MergeTree ORDER BY id")
	for _, tc := range []struct {
		name   string
		cfg    json.RawMessage
		table  string
		schema *arrow.Schema
		reason string
	}{
		{"no http_url", plain, "pq_refuse", one(arrow.Field{Name: "v", Type: arrow.PrimitiveTypes.Int64}), "set http_url"},
		{"time of day", nil, "pq_refuse", one(arrow.Field{Name: "v", Type: arrow.FixedWidthTypes.Time64us, Nullable: true}), "column v: time64[us] is written through Arrow"},
		{"list", nil, "pq_refuse", one(arrow.Field{Name: "v", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}), "column v: list"},
		{"seconds", nil, "pq_refuse", one(arrow.Field{Name: "v", Type: &arrow.TimestampType{Unit: arrow.Second}}), "column v: second timestamps"},
		{"staging type", nil, "pq_existing", one(arrow.Field{Name: "v", Type: arrow.PrimitiveTypes.Int64}), "column v: staging column is Int32, not Int64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := f.req("pq-refuse", tc.table, sdk.ModeFullRefresh, tc.schema)
			if tc.cfg != nil {
				req.Config = tc.cfg
			}
			if _, err := f.c.BeginLoad(ctx, req); err != nil {
				t.Fatal(err)
			}
			defer f.c.AbortLoad(ctx, req)
			reason, err := f.c.AcceptPayload(ctx, req, sdk.PayloadParquetFiles)
			if err != nil || !strings.Contains(reason, tc.reason) {
				t.Errorf("got %q, %v; want a reason with %q", reason, err, tc.reason)
			}
		})
	}
}

// TestParquetPassthroughErrors: a wrong password is an AUTH error that
// does not quote the password; a closed port a CONNECT error; a malformed
// http_url a CONFIG error that hides its password.
func TestParquetPassthroughErrors(t *testing.T) {
	f := newFixture(t)
	f.cfg = f.httpConfig()
	path := filepath.Join(t.TempDir(), "e.parquet")
	writeParquet(t, path, 1, 11)
	req := f.req("pq-err", "pq_err", sdk.ModeAppend, pqSchema)
	if _, err := f.c.BeginLoad(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	var cfg Config
	if err := json.Unmarshal(f.cfg, &cfg); err != nil {
		t.Fatal(err)
	}
	l, err := f.c.prepare(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	st, err := l.stagingTable(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	q, err := l.parquetInsert(st, fieldNames(pqSchema))
	if err != nil {
		t.Fatal(err)
	}
	_, opts, err := decodeConfig(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	bad := *opts
	bad.Auth.Password = "s3cret-pw"
	h, err := newHTTPInserter(cfg.HTTPURL, &bad)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = h.insert(f.ctx, l.srv, q, "t1", path)
	if sdk.CodeOf(err) != sdk.CodeAuth || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("wrong password: got %v (code %s), want an AUTH error without the password", err, sdk.CodeOf(err))
	}
	h, err = newHTTPInserter("http://127.0.0.1:1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err = h.insert(f.ctx, l.srv, q, "t2", path); sdk.CodeOf(err) != sdk.CodeConnect {
		t.Errorf("closed port: got %v (code %s), want CONNECT", err, sdk.CodeOf(err))
	}
	if _, _, err = h.insert(f.ctx, l.srv, q, "t3", filepath.Join(t.TempDir(), "gone.parquet")); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("missing file: got %v (code %s), want NOT_FOUND", err, sdk.CodeOf(err))
	}
	raw, _ := json.Marshal(Config{DSN: testDSN, HTTPURL: "http://default:s3cret-pw@127.0.0.1:8123"})
	if err := f.c.Check(f.ctx, raw); sdk.CodeOf(err) != sdk.CodeConfig || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "http_url") {
		t.Errorf("http_url with a password: got %v (code %s), want a CONFIG error naming http_url, without the password", err, sdk.CodeOf(err))
	}
	var n uint64
	f.scalar("SELECT count() FROM "+qualified(testDB, sdk.StagingName("pq-err")), &n)
	if n != 0 {
		t.Errorf("staging after failed inserts: got %d rows, want 0", n)
	}
}

// TestParquetPassthroughCancel: a Write cancelled while the server reads a
// file kills the INSERT on the server (no query of it is left running)
// and returns the cancellation; the server keeps serving, and a Write
// cancelled before it starts sends nothing.
func TestParquetPassthroughCancel(t *testing.T) {
	f := newFixture(t)
	f.cfg = f.httpConfig()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	path := filepath.Join(t.TempDir(), "big.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(1<<16)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	const rows = 6 << 20
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	for i := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("row %d with some text", i))
		if (i+1)%(1<<18) == 0 {
			rec := b.NewRecordBatch()
			if err := w.WriteBuffered(rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
		}
	}
	b.Release()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	req := f.req("pq-cancel", "pq_cancel", sdk.ModeAppend, schema)
	if _, err := f.c.BeginLoad(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	staging := sdk.StagingName(req.LoadID)
	running := fmt.Sprintf("SELECT count() FROM system.processes WHERE query LIKE '%%INSERT INTO %%%s%%FORMAT Parquet%%' AND query NOT LIKE '%%system.processes%%'", staging)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := f.c.WritePayload(ctx, req, sdk.PayloadParquetFiles, parquetPayloads(schema, []string{path}, []int64{rows}))
		done <- err
	}()
	var werr error
	for werr == nil {
		var n uint64
		f.scalar(running, &n)
		if n > 0 {
			cancel()
			werr = <-done
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the insert ended (%v) before it was seen running: make the file bigger", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !errors.Is(werr, context.Canceled) {
		t.Errorf("cancelled WritePayload: got %v, want context.Canceled", werr)
	}
	var n uint64
	f.scalar(running, &n)
	if n != 0 {
		t.Errorf("after the cancelled Write: %d inserts still run, want 0", n)
	}
	// Cancelled before it starts: nothing is sent.
	f.exec("TRUNCATE TABLE " + qualified(testDB, staging))
	_, err = f.c.WritePayload(ctx, req, sdk.PayloadParquetFiles, parquetPayloads(schema, []string{path}, []int64{rows}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WritePayload with a cancelled context: got %v, want context.Canceled", err)
	}
	f.scalar("SELECT count() FROM "+qualified(testDB, staging), &n)
	if n != 0 {
		t.Errorf("staging after a Write cancelled before it started: got %d rows, want 0", n)
	}
}

// TestCheckHTTPURL: Check reaches http_url, not only the native port: a
// closed port, the native port given as http_url and a wrong password
// fail Check with errors that name http_url (a wrong one used to show
// only at the first passthrough insert).
func TestCheckHTTPURL(t *testing.T) {
	f := newFixture(t)
	if err := f.c.Check(f.ctx, f.httpConfig()); err != nil {
		t.Fatalf("Check with the test server's http_url: %v", err)
	}
	native := "http://" + strings.TrimPrefix(strings.Split(strings.TrimPrefix(testDSN, "clickhouse://"), "/")[0], "default@")
	for _, c := range []struct {
		name, url string
		code      sdk.Code // 0: any
	}{
		{"closed port", "http://127.0.0.1:1", sdk.CodeConnect},
		{"the native port", native, 0},
	} {
		raw, _ := json.Marshal(Config{DSN: testDSN, HTTPURL: c.url})
		err := f.c.Check(f.ctx, raw)
		t.Logf("%s: %v", c.name, err)
		if err == nil || !strings.Contains(err.Error(), "http_url") || (c.code != 0 && sdk.CodeOf(err) != c.code) {
			t.Errorf("%s (%s): Check = %v (code %s), want an error naming http_url (code %s)", c.name, c.url, err, sdk.CodeOf(err), c.code)
		}
	}
}
