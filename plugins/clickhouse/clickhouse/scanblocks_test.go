package clickhouse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestScanBlocks: native blocks read every source type into the same
// Arrow values as the row scan (no fallback: scanBlocks is called
// directly), LowCardinality, Nullable, Decimal, Date, DateTime and
// DateTime64 of every precision included.
func TestScanBlocks(t *testing.T) {
	f := newFixture(t)
	rec := roundTripRecord(t)
	defer rec.Release()
	f.load(f.req("blocks-1", "blocks_rt", sdk.ModeAppend, roundTripSchema), rec)
	f.exec(fmt.Sprintf(`CREATE TABLE %s (k Int32, lc LowCardinality(String), lcn LowCardinality(Nullable(String)), d Date, dt DateTime('UTC'),
		t2 DateTime64(2), t5 Nullable(DateTime64(5, 'UTC')), big Int128, e Enum8('a' = 1, 'b' = 2), m Map(String, Int32), ip IPv4, fs FixedString(3))
		ENGINE = MergeTree ORDER BY k`, qualified(testDB, "blocks_misc")))
	f.exec(fmt.Sprintf(`INSERT INTO %s SELECT number, toString(number %% 3), if(number %% 2 = 0, NULL, 'x'), toDate('2024-01-01') + number,
		toDateTime('2024-01-01 00:00:00', 'UTC') + number, toDateTime64('2024-01-01 00:00:00.12', 2) + number,
		if(number %% 2 = 0, NULL, toDateTime64('2024-01-01 00:00:00.12345', 5, 'UTC')), number * 1000000000000, if(number %% 2 = 0, 'a', 'b'),
		map('k', toInt32(number)), toIPv4('10.0.0.1'), 'abc' FROM numbers(1000) SETTINGS async_insert = 0`, qualified(testDB, "blocks_misc")))
	s, err := f.c.open(f.ctx, f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"blocks_rt", "blocks_misc"} {
		t.Run(table, func(t *testing.T) {
			ti, err := s.table(f.ctx, testDB, table)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := tableColumns(ti)
			if err != nil {
				t.Fatal(err)
			}
			sel := make([]string, len(cols))
			fields := make([]arrow.Field, len(cols))
			for i, c := range cols {
				sel[i] = fmt.Sprintf(c.st.expr, quote(c.name)) + " AS " + quote(c.name)
				fields[i] = c.field
			}
			schema := arrow.NewSchema(fields, nil)
			q := "SELECT " + strings.Join(sel, ", ") + " FROM " + qualified(testDB, table) + " ORDER BY 1"
			rows, blocks := &memWriter{}, &memWriter{}
			if err := s.scan(f.ctx, q, nil, schema, rows, table); err != nil {
				t.Fatal(err)
			}
			if err := s.scanBlocks(f.ctx, q, schema, blocks, table); err != nil {
				t.Fatalf("scanBlocks: %v", err)
			}
			if d := cmp.Diff(rows.values(), blocks.values()); d != "" {
				t.Errorf("blocks vs rows (-rows +blocks):\n%s", d)
			}
		})
	}
}

// TestParseDecimal128: the allocation-free parser agrees with
// decimal128.FromString, and leaves what it does not know to it.
func TestParseDecimal128(t *testing.T) {
	for _, tc := range []struct {
		text  string
		scale int32
		ok    bool
	}{
		{"0", 2, true}, {"-0.0000000001", 10, true}, {"9999999999999999999999999999.9999999999", 10, true},
		{"-9999999999999999999999999999.9999999999", 10, true}, {"-1.5", 2, true}, {"12", 0, true}, {"123.45", 4, true},
		{"1.234", 2, false}, {"1e5", 0, false}, {"", 0, false}, {"-", 0, false}, {"1.2.3", 3, false},
		{"99999999999999999999999999999999999999", 0, true}, {"999999999999999999999999999999999999999", 0, false},
	} {
		got, ok := parseDecimal128([]byte(tc.text), tc.scale)
		if ok != tc.ok {
			t.Errorf("%q scale %d: ok %v, want %v", tc.text, tc.scale, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		want, err := decimal128.FromString(tc.text, 38, tc.scale)
		if err != nil || got != want {
			t.Errorf("%q scale %d: got %s, want %s (%v)", tc.text, tc.scale, got.ToString(tc.scale), want.ToString(tc.scale), err)
		}
	}
}

// discard is a RecordWriter that counts rows.
type discard struct {
	memWriter
	rows int64
}

func (d *discard) Write(rec arrow.RecordBatch) error { d.rows += rec.NumRows(); return nil }

// BenchmarkRead compares the source's row scan with its native blocks
// over 100k rows (id, nullable string, nullable decimal, timestamp):
//
//	go test -run '^$' -bench Read -benchtime 5x ./clickhouse/
func BenchmarkRead(b *testing.B) {
	f := newFixture(b)
	f.exec("DROP TABLE IF EXISTS " + qualified(testDB, "bench_read") + " SYNC")
	f.load(f.req("bench-read", "bench_read", sdk.ModeAppend, benchSchema), benchRecords(100_000, 10_000)...)
	s, err := f.c.open(f.ctx, f.cfg)
	if err != nil {
		b.Fatal(err)
	}
	ti, err := s.table(f.ctx, testDB, "bench_read")
	if err != nil {
		b.Fatal(err)
	}
	cols, err := tableColumns(ti)
	if err != nil {
		b.Fatal(err)
	}
	sel := make([]string, len(cols))
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		sel[i] = fmt.Sprintf(c.st.expr, quote(c.name)) + " AS " + quote(c.name)
		fields[i] = c.field
	}
	schema := arrow.NewSchema(fields, nil)
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + qualified(testDB, "bench_read")
	for _, path := range []string{"rows", "blocks"} {
		b.Run(path, func(b *testing.B) {
			for range b.N {
				d := &discard{}
				read := func() error { return s.scan(f.ctx, q, nil, schema, d, "bench_read") }
				if path == "blocks" {
					read = func() error { return s.scanBlocks(f.ctx, q, schema, d, "bench_read") }
				}
				if err := read(); err != nil {
					b.Fatal(err)
				}
				if d.rows != 100_000 {
					b.Fatalf("read %d rows, want 100000", d.rows)
				}
			}
			b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
