package sdktest

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

// DefaultLoadTypes are the logical types the destination round trip uses
// when the fixture names none.
var DefaultLoadTypes = []string{"bool", "int64", "float64", "decimal(38,10)", "string", "date",
	"timestamp(6)", "timestamp(6, tz)", "uuid", "json"}

var typeRE = regexp.MustCompile(`^([a-z0-9]+)(?:\((\d+)?\s*(?:,\s*(\d+|tz))?\))?$`)

// parseType turns a logical type name (decimal(38,10), timestamp(6, tz))
// into a protocol type.
func parseType(name string) (*connectorv1.LogicalType, error) {
	m := typeRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(name)))
	if m == nil {
		return nil, fmt.Errorf("type %q: want a logical type name like int64, decimal(38,10), timestamp(6, tz)", name)
	}
	var kind connectorv1.TypeKind = -1
	for k := range connectorv1.TypeKind_name {
		if logical.KindName(connectorv1.TypeKind(k)) == m[1] {
			kind = connectorv1.TypeKind(k)
		}
	}
	if kind < 0 {
		return nil, fmt.Errorf("type %q: unknown logical type %q", name, m[1])
	}
	lt := &connectorv1.LogicalType{Kind: kind}
	if m[2] != "" {
		p, _ := strconv.Atoi(m[2])
		lt.Precision = int32(p)
	}
	switch {
	case m[3] == "tz":
		lt.WithTimeZone = true
	case m[3] != "":
		sc, _ := strconv.Atoi(m[3])
		lt.Scale = int32(sc)
	}
	switch kind {
	case connectorv1.TypeKind_TYPE_KIND_DECIMAL:
		if lt.Precision == 0 {
			lt.Precision, lt.Scale = 38, 10
		}
	case connectorv1.TypeKind_TYPE_KIND_TIMESTAMP, connectorv1.TypeKind_TYPE_KIND_TIME:
		if m[2] == "" {
			lt.Precision = 6
		}
	case connectorv1.TypeKind_TYPE_KIND_LIST, connectorv1.TypeKind_TYPE_KIND_STRUCT, connectorv1.TypeKind_TYPE_KIND_MAP:
		return nil, fmt.Errorf("type %q: nested types are not in the round trip yet", name)
	}
	return lt, nil
}

// edgeValues are the values every column of a type must survive, as the
// Go values an Arrow builder takes (see appendValue). NULL is added by the
// caller.
func edgeValues(lt *connectorv1.LogicalType) []any {
	switch lt.GetKind() {
	case connectorv1.TypeKind_TYPE_KIND_BOOL:
		return []any{true, false}
	case connectorv1.TypeKind_TYPE_KIND_INT8:
		return []any{int64(math.MinInt8), int64(math.MaxInt8), int64(0), int64(-1)}
	case connectorv1.TypeKind_TYPE_KIND_INT16:
		return []any{int64(math.MinInt16), int64(math.MaxInt16), int64(0), int64(-1)}
	case connectorv1.TypeKind_TYPE_KIND_INT32:
		return []any{int64(math.MinInt32), int64(math.MaxInt32), int64(0), int64(-1)}
	case connectorv1.TypeKind_TYPE_KIND_INT64:
		return []any{int64(math.MinInt64), int64(math.MaxInt64), int64(0), int64(-1)}
	case connectorv1.TypeKind_TYPE_KIND_UINT8:
		return []any{uint64(0), uint64(math.MaxUint8)}
	case connectorv1.TypeKind_TYPE_KIND_UINT16:
		return []any{uint64(0), uint64(math.MaxUint16)}
	case connectorv1.TypeKind_TYPE_KIND_UINT32:
		return []any{uint64(0), uint64(math.MaxUint32)}
	case connectorv1.TypeKind_TYPE_KIND_UINT64:
		return []any{uint64(0), uint64(math.MaxUint64)}
	case connectorv1.TypeKind_TYPE_KIND_FLOAT32:
		return []any{0.0, 1.5, -3.25e38, 1.1754944e-38}
	case connectorv1.TypeKind_TYPE_KIND_FLOAT64:
		return []any{0.0, 1.5, -1.7976931348623157e308, 2.2250738585072014e-308, 0.1}
	case connectorv1.TypeKind_TYPE_KIND_DECIMAL:
		p, sc := int(lt.GetPrecision()), int(lt.GetScale())
		nines := func(n int) string { return strings.Repeat("9", max(n, 0)) }
		maxv := nines(p - sc)
		if maxv == "" {
			maxv = "0"
		}
		if sc > 0 {
			maxv += "." + nines(sc)
		}
		tiny := "1"
		if sc > 0 {
			tiny = "0." + strings.Repeat("0", sc-1) + "1"
		}
		return []any{maxv, "-" + maxv, "0", tiny, "-" + tiny}
	case connectorv1.TypeKind_TYPE_KIND_STRING:
		return []any{"", "NULL", "naïve café", "日本語テキスト", "emoji 😀🎉 and ZWJ 👩‍💻",
			"quote ' \" \\ newline\n tab\t", strings.Repeat("long ", 400)}
	case connectorv1.TypeKind_TYPE_KIND_BINARY:
		return []any{[]byte{}, []byte{0, 1, 2, 0xfe, 0xff}, []byte("bytes")}
	case connectorv1.TypeKind_TYPE_KIND_DATE:
		return []any{"1900-01-01", "1969-12-31", "1970-01-01", "2024-02-29", "9999-12-31"}
	case connectorv1.TypeKind_TYPE_KIND_TIME:
		return []any{"00:00:00", "12:34:56.123456", "23:59:59.999999"}
	case connectorv1.TypeKind_TYPE_KIND_TIMESTAMP:
		if lt.GetWithTimeZone() {
			return []any{"1900-01-01T00:00:00Z", "1969-07-20T20:17:40.123456-04:00", "1970-01-01T00:00:00Z",
				"2024-02-29T23:59:59.999999+05:30", "2262-04-11T23:47:16.854775Z"}
		}
		return []any{"1900-01-01T00:00:00", "1969-12-31T23:59:59.999999", "1970-01-01T00:00:00",
			"2024-02-29T12:34:56.123456", "2262-04-11T23:47:16.854775"}
	case connectorv1.TypeKind_TYPE_KIND_UUID:
		return []any{"00000000-0000-0000-0000-000000000000", "123e4567-e89b-12d3-a456-426614174000",
			"ffffffff-ffff-ffff-ffff-ffffffffffff"}
	case connectorv1.TypeKind_TYPE_KIND_JSON:
		return []any{`{}`, `[]`, `{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}`, `"text"`, `12.50`, `{"emoji":"😀","nested":{"k":[1,2,3]}}`}
	}
	return nil
}

// typesRecord builds the round-trip table: an id column and one column per
// type, with that type's edge values and a NULL.
func typesRecord(types []string) (arrow.RecordBatch, error) {
	fields := []arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}
	var vals [][]any
	rows := 0
	seen := map[string]bool{}
	for _, name := range types {
		lt, err := parseType(name)
		if err != nil {
			return nil, err
		}
		dt, md, err := logical.TypeToArrow(lt)
		if err != nil {
			return nil, fmt.Errorf("type %q: %w", name, err)
		}
		col := "c_" + strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "_"), "_")
		if seen[col] {
			continue
		}
		seen[col] = true
		fields = append(fields, arrow.Field{Name: col, Type: dt, Nullable: true, Metadata: md})
		v := append(edgeValues(lt), nil)
		vals = append(vals, v)
		rows = max(rows, len(v))
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i + 1))
		for j, v := range vals {
			var x any
			if i < len(v) {
				x = v[i]
			}
			if err := appendValue(b.Field(j+1), x); err != nil {
				return nil, fmt.Errorf("column %s: %w", fields[j+1].Name, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// appendValue appends a Go edge value to a builder of its column type.
func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.Int8Builder:
		bb.Append(int8(v.(int64)))
	case *array.Int16Builder:
		bb.Append(int16(v.(int64)))
	case *array.Int32Builder:
		bb.Append(int32(v.(int64)))
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.Uint8Builder:
		bb.Append(uint8(v.(uint64)))
	case *array.Uint16Builder:
		bb.Append(uint16(v.(uint64)))
	case *array.Uint32Builder:
		bb.Append(uint32(v.(uint64)))
	case *array.Uint64Builder:
		bb.Append(v.(uint64))
	case *array.Float32Builder:
		bb.Append(float32(v.(float64)))
	case *array.Float64Builder:
		bb.Append(v.(float64))
	case *array.Decimal128Builder:
		t := bb.Type().(*arrow.Decimal128Type)
		n, err := decimal128.FromString(v.(string), t.Precision, t.Scale)
		if err != nil {
			return err
		}
		bb.Append(n)
	case *array.Decimal256Builder:
		t := bb.Type().(*arrow.Decimal256Type)
		n, err := decimal256.FromString(v.(string), t.Precision, t.Scale)
		if err != nil {
			return err
		}
		bb.Append(n)
	case *array.StringBuilder:
		bb.Append(v.(string))
	case *array.BinaryBuilder:
		bb.Append(v.([]byte))
	case *array.Date32Builder:
		tm, err := time.Parse(time.DateOnly, v.(string))
		if err != nil {
			return err
		}
		bb.Append(arrow.Date32FromTime(tm))
	case *array.Time32Builder, *array.Time64Builder:
		tm, err := time.Parse("15:04:05.999999999", v.(string))
		if err != nil {
			return err
		}
		d := tm.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))
		if t32, ok := bb.(*array.Time32Builder); ok {
			t32.Append(arrow.Time32(d / unitDuration(t32.Type().(*arrow.Time32Type).Unit)))
		} else {
			t64 := bb.(*array.Time64Builder)
			t64.Append(arrow.Time64(d / unitDuration(t64.Type().(*arrow.Time64Type).Unit)))
		}
	case *array.TimestampBuilder:
		tm, err := toTime(v, true)
		if err != nil {
			return err
		}
		ts, err := arrow.TimestampFromTime(tm, bb.Type().(*arrow.TimestampType).Unit)
		if err != nil {
			return err
		}
		bb.Append(ts)
	default:
		return fmt.Errorf("no edge values for %s", b.Type())
	}
	return nil
}

// loadTypesCheck loads every claimed type's edge values and reads them
// back, column by column.
func (s *session) loadTypesCheck(c *checkT) {
	types := s.loadFixture().Types
	if len(types) == 0 {
		types = DefaultLoadTypes
		c.notef("fixture lists no load types: using %s", strings.Join(types, ", "))
	}
	rec, err := typesRecord(types)
	if err != nil {
		c.Fatalf("fixture load types: %v", err)
	}
	defer rec.Release()
	want, err := recordRows(rec, nil)
	if err != nil {
		c.Fatalf("%v", err)
	}
	mode := s.firstMode()
	target := s.table("types")
	l := s.newLoad(c, "types", target, rec.Schema(), mode)
	ctx, cancel := s.ctx()
	defer cancel()
	if err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec}); err != nil {
		c.Fatalf("load the edge values (%s): %v", strings.Join(types, ", "), err)
	}
	got := s.readTarget(c, target, rec.Schema())
	byID := map[string]row{}
	for _, r := range got {
		byID[r["id"]] = r
	}
	if len(got) != len(want) {
		c.Errorf("got %d rows back, want %d", len(got), len(want))
	}
	bad := map[string]int{}
	for _, w := range want {
		g, ok := byID[w["id"]]
		if !ok {
			c.Errorf("row id=%s: missing", w["id"])
			continue
		}
		for _, f := range rec.Schema().Fields()[1:] {
			gv, ok := g[f.Name]
			if !ok {
				if bad[f.Name] == 0 {
					c.Errorf("column %s: not in the target", f.Name)
				}
				bad[f.Name]++
				continue
			}
			if gv != w[f.Name] {
				bad[f.Name]++
				if bad[f.Name] <= 3 {
					c.Errorf("column %s row id=%s: got %s, want %s", f.Name, w["id"], show(gv), show(w[f.Name]))
				}
			}
		}
	}
	var okCols []string
	for _, f := range rec.Schema().Fields()[1:] {
		if bad[f.Name] == 0 {
			okCols = append(okCols, f.Name)
		}
	}
	sort.Strings(okCols)
	c.notef("round-tripped exactly: %s", strings.Join(okCols, ", "))
}

func show(v string) string {
	if v == nullValue {
		return "NULL"
	}
	return strconv.Quote(truncate(v, 80))
}
