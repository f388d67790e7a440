package kafka

import (
	"encoding/json"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestScannerAgreesWithEncodingJSON: the scanner accepts exactly the
// values encoding/json accepts.
func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":-0.5e+10,"b":[1,2,{"c":null}],"d":"x\"y\\u00e9"}`, `[]`, `[1,]`, `{"a":1,}`,
		`{"a"}`, `{"a":}`, `{a:1}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`, `{"a":tru}`,
		`{"a":"\x"}`, `{"a":"\u12G4"}`, "{\"a\":\"\x01\"}", `{"a":"unterminated}`, `{"a":[1,2}`, `{"a":{"b":1]}`,
		`"s"`, `12`, `true`, `nul`, ``, `   `, `{"a":1} x`, `{"a":1}{}`, `{"a":[[[[]]]]}`, `{"a":1e-7,"b":-0}`,
		`{"a":"\ud83c\udf15"}`, `{"a":+1}`, `{"a":Infinity}`, `{"a":[,1]}`, `{"a":1 "b":2}`,
	} {
		s := scanner{b: []byte(in)}
		_, err := s.value(0)
		ok := err == nil && s.peek() == 0
		if validJSON([]byte(in)) != ok {
			t.Errorf("%q: validJSON %v, scanner %v", in, !ok, ok)
		}
		if want := json.Valid([]byte(in)); ok != want {
			t.Errorf("%q: scanner valid %v (%v), encoding/json %v", in, ok, err, want)
		}
	}
}

// TestDecodeRoundTrip: every bench_src row the sink encodes decodes back
// to the same Arrow values (the fast text parsers against the
// appenders), and what the fast parsers refuse still decodes (Arrow's
// parsers).
func TestDecodeRoundTrip(t *testing.T) {
	rec := benchRecord(2000)
	defer rec.Release()
	enc, err := newRowEncoder(rec.Schema(), nil, keyNone, nil)
	if err != nil {
		t.Fatal(err)
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer rb.Release()
	bs := make([]array.Builder, benchSchema.NumFields())
	for i := range bs {
		bs[i] = rb.Field(i)
	}
	dec := newValueDecoder(benchSchema.Fields(), bs)
	for i := range int(rec.NumRows()) {
		v, err := enc.value(nil, rec, i)
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.decode(v); err != nil {
			t.Fatalf("row %d %s: %v", i, v, err)
		}
	}
	got := rb.NewRecordBatch()
	defer got.Release()
	for c := range rec.Columns() {
		if !array.Equal(rec.Column(c), got.Column(c)) {
			for i := range rec.Column(c).Len() {
				if a, b := rec.Column(c).ValueStr(i), got.Column(c).ValueStr(i); a != b {
					t.Fatalf("column %s row %d: got %s, want %s", rec.ColumnName(c), i, b, a)
				}
			}
		}
	}
	// Forms only Arrow's parsers read.
	for _, c := range []struct {
		typ  arrow.DataType
		text string
		want string
	}{
		{&arrow.Decimal128Type{Precision: 38, Scale: 2}, `"12345678901234567890.25"`, "12345678901234567890.25"},
		{&arrow.Decimal128Type{Precision: 10, Scale: 2}, `"1.5e2"`, "150"},
		{&arrow.TimestampType{Unit: arrow.Microsecond}, `"2020-01-02 03:04:05.5"`, "2020-01-02T03:04:05.5"},
		{&arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, `"2020-01-02T03:04:05+02:00"`, "2020-01-02T01:04:05Z"},
		{arrow.FixedWidthTypes.Date32, `"2020-02-29"`, "2020-02-29"},
	} {
		schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: c.typ, Nullable: true}}, nil)
		rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		d := newValueDecoder(schema.Fields(), []array.Builder{rb.Field(0)})
		if err := d.decode([]byte(`{"v":` + c.text + `}`)); err != nil {
			t.Errorf("%s %s: %v", c.typ, c.text, err)
		} else if a := rb.Field(0).NewArray(); a.ValueStr(0) != c.want && !sameDecimalText(a.ValueStr(0), c.want) {
			t.Errorf("%s %s: got %s, want %s", c.typ, c.text, a.ValueStr(0), c.want)
		}
		rb.Release()
	}
	zoneless := arrow.NewSchema([]arrow.Field{{Name: "v", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}}}, nil)
	zb := array.NewRecordBuilder(memory.DefaultAllocator, zoneless)
	defer zb.Release()
	if err := newValueDecoder(zoneless.Fields(), []array.Builder{zb.Field(0)}).decode([]byte(`{"v":"2020-01-02T03:04:05"}`)); err == nil {
		t.Errorf("a zone-less timestamp into a UTC column: want an error, as Arrow")
	}
	if _, ok := parseDate([]byte("2021-02-29")); ok {
		t.Errorf("2021-02-29: want refused")
	}
}

func sameDecimalText(a, b string) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return sameDecimal(nil, ja, jb)
}
