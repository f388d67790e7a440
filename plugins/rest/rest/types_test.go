package rest

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// TestFastDecimal agrees with decimal128.FromString where it applies and
// declines the rest.
func TestFastDecimal(t *testing.T) {
	for _, c := range []struct {
		s     string
		p, s2 int32
		ok    bool
	}{
		{"22.00", 12, 2, true}, {"-0.5", 12, 2, true}, {"7", 12, 2, true}, {"123456789012.5", 12, 2, false},
		{"1.234", 12, 2, false}, {"1e3", 12, 2, false}, {"", 12, 2, false}, {"99999999999999999999", 38, 0, false},
		{"-999999999.99", 11, 2, true},
	} {
		got, ok := fastDecimal(c.s, c.p, c.s2)
		if ok != c.ok {
			t.Errorf("fastDecimal(%q, %d, %d): ok %v, want %v", c.s, c.p, c.s2, ok, c.ok)
			continue
		}
		if ok {
			want, err := decimal128.FromString(c.s, c.p, c.s2)
			if err != nil || got != want {
				t.Errorf("fastDecimal(%q) = %v, want %v (%v)", c.s, got, want, err)
			}
		}
	}
}
