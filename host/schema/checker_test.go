package schema

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// record builds a batch from JSON rows.
func record(t testing.TB, mem memory.Allocator, s *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("RecordFromJSON(%s): %v", rows, err)
	}
	return rec
}

// checker builds a Checker for one contract over schema s.
func checker(t testing.TB, contract map[string]any, s *arrow.Schema) *Checker {
	t.Helper()
	c, err := ParseContract(contract)
	if err != nil {
		t.Fatalf("ParseContract: %v", err)
	}
	ch, err := NewChecker(c, s)
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	return ch
}

// codes renders per-row first reasons ("" for good rows).
func codes(v *Violations) []string {
	out := make([]string, v.Rows)
	for i := range out {
		if v.Codes != nil {
			out[i] = v.Codes[i].String()
		}
	}
	return out
}

func oneColumn(dt arrow.DataType) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: "c", Type: dt, Nullable: true}}, nil)
}

var (
	dec128 = &arrow.Decimal128Type{Precision: 10, Scale: 2}
	dec256 = &arrow.Decimal256Type{Precision: 40, Scale: 2}
	tsUs   = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tsMs   = &arrow.TimestampType{Unit: arrow.Millisecond}
	time32 = &arrow.Time32Type{Unit: arrow.Second}
)

func TestCheckRules(t *testing.T) {
	tests := []struct {
		name string
		dt   arrow.DataType
		rule map[string]any
		rows string // JSON values of column c
		want []string
	}{
		// NOT_NULL on every kind of layout
		{"not null int64", arrow.PrimitiveTypes.Int64, map[string]any{"nullable": false}, `[1, null, 3]`, []string{"", "NOT_NULL", ""}},
		{"not null string", arrow.BinaryTypes.String, map[string]any{"nullable": false}, `["a", null, ""]`, []string{"", "NOT_NULL", ""}},
		{"not null bool", arrow.FixedWidthTypes.Boolean, map[string]any{"nullable": false}, `[null, true]`, []string{"NOT_NULL", ""}},
		{"not null decimal", dec128, map[string]any{"nullable": false}, `["1.00", null]`, []string{"", "NOT_NULL"}},
		{"not null null type", arrow.Null, map[string]any{"nullable": false}, `[null, null]`, []string{"NOT_NULL", "NOT_NULL"}},
		{"nullable true allows null", arrow.PrimitiveTypes.Int32, map[string]any{"nullable": true}, `[null]`, []string{""}},

		// accepted_values
		{"accepted int8", arrow.PrimitiveTypes.Int8, map[string]any{"accepted_values": []any{1, 2}}, `[1, 3, null, 2]`, []string{"", "ACCEPTED_VALUES", "", ""}},
		{"accepted int32", arrow.PrimitiveTypes.Int32, map[string]any{"accepted_values": []any{1, 2}}, `[2, -1]`, []string{"", "ACCEPTED_VALUES"}},
		{"accepted uint16", arrow.PrimitiveTypes.Uint16, map[string]any{"accepted_values": []any{7}}, `[7, 8, null]`, []string{"", "ACCEPTED_VALUES", ""}},
		{"accepted float64", arrow.PrimitiveTypes.Float64, map[string]any{"accepted_values": []any{0.5, 1}}, `[0.5, 1.0, 1.5]`, []string{"", "", "ACCEPTED_VALUES"}},
		{"accepted string", arrow.BinaryTypes.String, map[string]any{"accepted_values": []any{"EUR", "USD"}}, `["EUR", "eur", null, ""]`, []string{"", "ACCEPTED_VALUES", "", "ACCEPTED_VALUES"}},
		{"accepted large string", arrow.BinaryTypes.LargeString, map[string]any{"accepted_values": []any{"a"}}, `["a", "b"]`, []string{"", "ACCEPTED_VALUES"}},
		{"accepted string view", arrow.BinaryTypes.StringView, map[string]any{"accepted_values": []any{"a"}}, `["a", "a long value beyond twelve bytes"]`, []string{"", "ACCEPTED_VALUES"}},
		{"accepted bool", arrow.FixedWidthTypes.Boolean, map[string]any{"accepted_values": []any{true}}, `[true, false, null]`, []string{"", "ACCEPTED_VALUES", ""}},
		{"accepted decimal128", dec128, map[string]any{"accepted_values": []any{"1.5", 2}}, `["1.50", "2.00", "2.01"]`, []string{"", "", "ACCEPTED_VALUES"}},
		{"accepted decimal256", dec256, map[string]any{"accepted_values": []any{"1.5"}}, `["1.50", "1.51"]`, []string{"", "ACCEPTED_VALUES"}},
		{"accepted date", arrow.FixedWidthTypes.Date32, map[string]any{"accepted_values": []any{"2024-01-31"}}, `["2024-01-31", "2024-02-01"]`, []string{"", "ACCEPTED_VALUES"}},

		// regex
		{"regex string", arrow.BinaryTypes.String, map[string]any{"regex": "^[A-Z]{3}$"}, `["EUR", "EURO", null, "eu"]`, []string{"", "REGEX", "", "REGEX"}},
		{"regex is a search", arrow.BinaryTypes.String, map[string]any{"regex": "@"}, `["a@b", "ab"]`, []string{"", "REGEX"}},
		{"regex large string", arrow.BinaryTypes.LargeString, map[string]any{"regex": "^a"}, `["ab", "ba"]`, []string{"", "REGEX"}},

		// min / max
		{"range int64", arrow.PrimitiveTypes.Int64, map[string]any{"min": 0, "max": 100}, `[0, 100, -1, 101, null]`, []string{"", "", "RANGE", "RANGE", ""}},
		{"range int16 min only", arrow.PrimitiveTypes.Int16, map[string]any{"min": -5}, `[-5, -6, 32767]`, []string{"", "RANGE", ""}},
		{"range uint64 max", arrow.PrimitiveTypes.Uint64, map[string]any{"max": "18446744073709551614"}, `[18446744073709551615, 0]`, []string{"RANGE", ""}},
		{"range uint8", arrow.PrimitiveTypes.Uint8, map[string]any{"min": 1, "max": 9}, `[0, 5, 10]`, []string{"RANGE", "", "RANGE"}},
		{"range float32", arrow.PrimitiveTypes.Float32, map[string]any{"min": 0.5, "max": 1.5}, `[0.25, 1.0, 2.0, null]`, []string{"RANGE", "", "RANGE", ""}},
		{"range float64", arrow.PrimitiveTypes.Float64, map[string]any{"max": 10}, `[10.0, 10.000001]`, []string{"", "RANGE"}},
		{"range decimal128", dec128, map[string]any{"min": "0.01", "max": "99.99"}, `["0.00", "0.01", "99.99", "100.00", null]`, []string{"RANGE", "", "", "RANGE", ""}},
		{"range decimal256", dec256, map[string]any{"min": 0}, `["-0.01", "0.00"]`, []string{"RANGE", ""}},
		{"range date32", arrow.FixedWidthTypes.Date32, map[string]any{"min": "2024-01-01", "max": "2024-12-31"}, `["2023-12-31", "2024-06-01", "2025-01-01"]`, []string{"RANGE", "", "RANGE"}},
		{"range date pre-1970", arrow.FixedWidthTypes.Date32, map[string]any{"min": "1960-01-01"}, `["1959-12-31", "1960-01-01"]`, []string{"RANGE", ""}},
		{"range timestamp tz", tsUs, map[string]any{"min": "2024-01-01T00:00:00Z", "max": "2024-01-01T00:00:01Z"},
			`["2023-12-31T23:59:59.999999Z", "2024-01-01T00:00:00.5Z", "2024-01-01T00:00:01.000001Z"]`, []string{"RANGE", "", "RANGE"}},
		{"range timestamp naive", tsMs, map[string]any{"max": "2024-01-01 12:00:00"}, `["2024-01-01T12:00:00", "2024-01-01T12:00:00.001"]`, []string{"", "RANGE"}},
		{"range time of day", time32, map[string]any{"min": "08:00:00", "max": "18:00:00"}, `["07:59:59", "12:00:00", "18:00:01"]`, []string{"RANGE", "", "RANGE"}},

		// max_length
		{"max_length string counts characters", arrow.BinaryTypes.String, map[string]any{"max_length": 3}, `["abc", "abcd", "äöü", "äöüß", null]`, []string{"", "MAX_LENGTH", "", "MAX_LENGTH", ""}},
		{"max_length emoji", arrow.BinaryTypes.String, map[string]any{"max_length": 2}, `["🙂🙂", "🙂🙂🙂"]`, []string{"", "MAX_LENGTH"}},
		{"max_length binary counts bytes", arrow.BinaryTypes.Binary, map[string]any{"max_length": 2}, `["AAE=", "AAEC"]`, []string{"", "MAX_LENGTH"}},
		{"max_length fixed binary", &arrow.FixedSizeBinaryType{ByteWidth: 3}, map[string]any{"max_length": 2}, `["AAEC", null]`, []string{"MAX_LENGTH", ""}},

		// type (schema level: every row)
		{"type matches", arrow.PrimitiveTypes.Int64, map[string]any{"type": "int64"}, `[1, null]`, []string{"", ""}},
		{"type narrower fits", arrow.PrimitiveTypes.Int32, map[string]any{"type": "int64"}, `[1]`, []string{""}},
		{"type mismatch", arrow.BinaryTypes.String, map[string]any{"type": "int64", "min": 0}, `["1", null]`, []string{"TYPE", "TYPE"}},
		{"type decimal scale", &arrow.Decimal128Type{Precision: 18, Scale: 6}, map[string]any{"type": "decimal(18,4)"}, `["1.000000"]`, []string{"TYPE"}},
		{"type decimal fits", dec128, map[string]any{"type": "decimal(18,4)"}, `["1.00"]`, []string{""}},

		// rule order inside a column: ACCEPTED_VALUES before RANGE
		{"first reason in rule order", arrow.PrimitiveTypes.Int64, map[string]any{"accepted_values": []any{1, 500}, "max": 100}, `[500, 7, 1]`, []string{"RANGE", "ACCEPTED_VALUES", ""}},
		{"first reason accepted before range", arrow.PrimitiveTypes.Int64, map[string]any{"accepted_values": []any{1}, "max": 100}, `[200]`, []string{"ACCEPTED_VALUES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			s := oneColumn(tt.dt)
			rows := make([]string, 0)
			for _, v := range jsonValues(t, tt.rows) {
				rows = append(rows, `{"c": `+v+`}`)
			}
			rec := record(t, mem, s, "["+strings.Join(rows, ",")+"]")
			defer rec.Release()
			ch := checker(t, map[string]any{"columns": map[string]any{"c": tt.rule}}, s)
			v, err := ch.Check(rec)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, codes(v)); d != "" {
				t.Errorf("codes (-want +got):\n%s", d)
			}
			bad := 0
			for i, c := range tt.want {
				if c != "" {
					bad++
					if v.Message(i) == "" || !v.Bad[i] {
						t.Errorf("row %d: Bad %v, message %q; want bad with a message", i, v.Bad[i], v.Message(i))
					}
				}
			}
			if v.BadRows != bad {
				t.Errorf("BadRows = %d, want %d", v.BadRows, bad)
			}
		})
	}
}

// jsonValues splits a JSON array literal of scalars into its elements.
func jsonValues(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	depth, start, inStr := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case inStr && ch == '\\':
			i++
		case ch == '"':
			inStr = !inStr
		case inStr:
		case ch == '[':
			depth++
			if depth == 1 {
				start = i + 1
			}
		case ch == ',' && depth == 1:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		case ch == ']':
			depth--
			if depth == 0 && strings.TrimSpace(s[start:i]) != "" {
				out = append(out, strings.TrimSpace(s[start:i]))
			}
		}
	}
	return out
}

func TestCheckMessagesAndCounts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "cur", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	ch := checker(t, map[string]any{"columns": map[string]any{
		"id":      map[string]any{"nullable": false},
		"qty":     map[string]any{"min": 0, "max": 100},
		"cur":     map[string]any{"accepted_values": []any{"EUR"}, "regex": "^[A-Z]+$"},
		"missing": map[string]any{"nullable": false, "type": "int64"},
		"opt":     map[string]any{"type": "string"},
	}}, s)
	rec := record(t, mem, s, `[
		{"id": 1, "qty": 5, "cur": "EUR"},
		{"id": null, "qty": 150, "cur": "usd"}
	]`)
	defer rec.Release()
	v, err := ch.Check(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := &Violations{
		Rows: 2, BadRows: 2,
		Bad:      []bool{true, true},
		Codes:    []Reason{ReasonNotNull, ReasonNotNull},
		BadIndex: []int{0, 1},
		Messages: []string{
			`column "missing" is missing from the source and may not be NULL`,
			`column "id" is NULL`,
		},
		Counts: []Count{
			{Column: "cur", Reason: ReasonAcceptedValues, Rows: 1},
			{Column: "cur", Reason: ReasonRegex, Rows: 1},
			{Column: "id", Reason: ReasonNotNull, Rows: 1},
			{Column: "missing", Reason: ReasonNotNull, Rows: 2},
			{Column: "qty", Reason: ReasonRange, Rows: 1},
		},
	}
	if d := cmp.Diff(want, v); d != "" {
		t.Errorf("Check (-want +got):\n%s", d)
	}

	// Each message kind.
	msgs := []struct {
		rule map[string]any
		dt   arrow.DataType
		row  string
		want string
	}{
		{map[string]any{"accepted_values": []any{"EUR", "USD"}}, arrow.BinaryTypes.String, `"eur"`, `column "c": value "eur" is not one of [EUR, USD]`},
		{map[string]any{"regex": "^[A-Z]+$"}, arrow.BinaryTypes.String, `"eur"`, `column "c": value "eur" does not match ^[A-Z]+$`},
		{map[string]any{"min": 0, "max": 100}, arrow.PrimitiveTypes.Int64, `150`, `column "c": value 150 is outside [0, 100]`},
		{map[string]any{"max": 100}, arrow.PrimitiveTypes.Int64, `150`, `column "c": value 150 is above max 100`},
		{map[string]any{"min": "0.5"}, dec128, `"0.25"`, `column "c": value 0.25 is below min 0.5`},
		{map[string]any{"max_length": 2}, arrow.BinaryTypes.String, `"abc"`, `column "c": value "abc" is longer than max_length 2`},
		{map[string]any{"type": "string"}, arrow.PrimitiveTypes.Int64, `1`, `column "c" is int64, the contract wants string`},
	}
	for _, m := range msgs {
		s := oneColumn(m.dt)
		rec := record(t, mem, s, `[{"c": `+m.row+`}]`)
		v, err := checker(t, map[string]any{"columns": map[string]any{"c": m.rule}}, s).Check(rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Messages[0]; got != m.want {
			t.Errorf("message: got %q, want %q", got, m.want)
		}
	}
}

func TestCheckCleanBatchAllocatesNoRowSlices(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s := oneColumn(arrow.PrimitiveTypes.Int64)
	rec := record(t, mem, s, `[{"c": 1}, {"c": 2}]`)
	defer rec.Release()
	v, err := checker(t, map[string]any{"columns": map[string]any{"c": map[string]any{"min": 0}}}, s).Check(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Bad != nil || v.Codes != nil || v.BadIndex != nil || v.Messages != nil || v.Counts != nil {
		t.Errorf("clean batch: got %+v, want OK with nil slices", v)
	}
}

func TestCheckSchemaMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ch := checker(t, map[string]any{}, oneColumn(arrow.PrimitiveTypes.Int64))
	rec := record(t, mem, oneColumn(arrow.PrimitiveTypes.Int32), `[{"c": 1}]`)
	defer rec.Release()
	_, err := ch.Check(rec)
	if err == nil || !strings.Contains(err.Error(), "column 0 is c int32, the checker was built for c int64") {
		t.Errorf("got %v, want schema mismatch error", err)
	}
}

func TestNewCheckerErrors(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.BinaryTypes.String}}, nil)
	c, _ := ParseContract(map[string]any{"columns": map[string]any{"a": map[string]any{"regex": "x"}}})
	_, err := NewChecker(c, s)
	if err == nil || err.Error() != `schema_contract.columns.a.regex: applies to string columns; column a is int64` || !errors.Is(err, ErrConfig) {
		t.Errorf("got %v, want regex-on-int64 config error", err)
	}
	c, _ = ParseContract(map[string]any{"columns": map[string]any{"a": map[string]any{"max": "x"}}})
	_, err = NewChecker(c, s)
	if err == nil || err.Error() != `schema_contract.columns.a.max: "x" is not an integer` {
		t.Errorf("got %v, want bad max error", err)
	}
	nested := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)
	c, _ = ParseContract(map[string]any{"columns": map[string]any{"l": map[string]any{"unique": true}}})
	_, err = NewChecker(c, nested)
	if err == nil || err.Error() != `schema_contract.columns.l.unique: cannot compare values of type list<item: int64, nullable>` {
		t.Errorf("got %v, want unique-on-list error", err)
	}
}

func TestFreeze(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.BinaryTypes.String}}, nil)
	tests := []struct {
		name     string
		contract map[string]any
		wantErr  string
		warnings []string
	}{
		{"exact", map[string]any{"freeze": true, "columns": map[string]any{"a": nil, "b": map[string]any{}}}, "", nil},
		{"extra and missing", map[string]any{"freeze": true, "columns": map[string]any{"a": nil, "c": nil}},
			`schema_contract.freeze: the source columns differ from the contract; not in the contract: [b]; missing from the source: [c]; update schema_contract.columns or set freeze: false`, nil},
		{"warn only warns", map[string]any{"freeze": true, "enforcement": "warn", "columns": map[string]any{"a": nil}}, "",
			[]string{`schema_contract.freeze: the source columns differ from the contract; not in the contract: [b]; update schema_contract.columns or set freeze: false`}},
		{"no freeze", map[string]any{"columns": map[string]any{"a": nil}}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseContract(tt.contract)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := NewChecker(c, s)
			if tt.wantErr != "" {
				var fe *FreezeError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &fe) {
					t.Fatalf("got %v, want *FreezeError %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.warnings, ch.Warnings(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Warnings (-want +got):\n%s", d)
			}
		})
	}
}
