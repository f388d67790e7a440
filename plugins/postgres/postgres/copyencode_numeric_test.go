package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestAppendNumericText: decimal text encodes to the binary numeric that
// PostgreSQL decodes back to the same text (pgx's decoder stands in for
// the server's numeric_recv), specials included; non-numbers are errors.
func TestAppendNumericText(t *testing.T) {
	m := pgtype.NewMap()
	for _, v := range []string{"0", "1.5", "-123456789012345678901234567890123456789012.000100",
		"0.0000000001", "100000000", "NaN", "Infinity", "-Infinity", "+7"} {
		b, _, err := appendNumericText(nil, nil, v)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		var n pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, b[4:], &n); err != nil {
			t.Fatalf("%s: decode: %v", v, err)
		}
		got, err := n.Value()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"+7": "7"}[v]
		if want == "" {
			want = v
		}
		if got != want {
			t.Errorf("%s: got %v, want %s", v, got, want)
		}
	}
	// Zero keeps its scale (display 0.00): no digits, weight 0, sign +, dscale 2.
	if b, _, _ := appendNumericText(nil, nil, "-0.00"); string(b[4:]) != "\x00\x00\x00\x00\x00\x00\x00\x02" {
		t.Errorf("-0.00: got % x, want 0 digits with dscale 2", b[4:])
	}
	for _, v := range []string{"", "-", "1e5", "1.2.3", "abc", "1,5"} {
		if _, _, err := appendNumericText(nil, nil, v); err == nil {
			t.Errorf("%q: got no error", v)
		}
	}
}
