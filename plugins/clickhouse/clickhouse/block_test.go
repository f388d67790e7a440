package clickhouse

import (
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestBlockInput: the ch-go block path takes the common landing types
// (integers, strings, decimals, timestamps, Nullable or not) and leaves
// the rest to clickhouse-go; a NULL in a non-Nullable column is DATA.
func TestBlockInput(t *testing.T) {
	recs := benchRecords(20, 20)
	rec := recs[0]
	defer rec.Release()
	names := []string{"id", "name", "amount", "ts"}
	for _, tc := range []struct {
		types []string
		fast  bool
		code  sdk.Code
	}{
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, true, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(38, 2))", "DateTime64(6, 'UTC')"}, true, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(9, 2))", "DateTime64(6)"}, false, 0},
		{[]string{"Int64", "LowCardinality(Nullable(String))", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, false, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(12, 3))", "DateTime64(6)"}, false, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(12, 2))", "DateTime64(3)"}, false, 0},
		{[]string{"Int32", "Nullable(String)", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, false, 0},
		{[]string{"Int64", "String", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, false, sdk.CodeData},
	} {
		input, fast, err := blockInput(rec, names, tc.types)
		if sdk.CodeOf(err) != tc.code || (err == nil) != (tc.code == 0) {
			t.Errorf("%v: got error %v, want code %v", tc.types, err, tc.code)
			continue
		}
		if fast != tc.fast {
			t.Errorf("%v: got fast %v, want %v", tc.types, fast, tc.fast)
		}
		if fast {
			for i, c := range input {
				if got := string(c.Data.Type()); got != tc.types[i] && got != "Nullable("+tc.types[i]+")" {
					t.Errorf("%v: column %s has block type %s", tc.types, c.Name, got)
				}
				if c.Data.Rows() != 20 {
					t.Errorf("%v: column %s has %d rows, want 20", tc.types, c.Name, c.Data.Rows())
				}
			}
		}
	}
}
