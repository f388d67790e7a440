package postgres

import (
	"encoding/binary"
	"testing"
)

// TestAppendTimetzText: the binary timetz (µs since midnight, zone in
// seconds west of UTC) of the text forms sources print; bad text errors.
func TestAppendTimetzText(t *testing.T) {
	tests := []struct {
		in     string
		micros int64
		west   int32
	}{
		{"12:34:56.789+05:30", (12*3600+34*60+56)*1e6 + 789000, -19800},
		{"00:00:00-12:00:59", 0, 12*3600 + 59},
		{"24:00:00+00", 24 * 3600 * 1e6, 0},
		{"23:59:59.999999+14", (23*3600+59*60+59)*1e6 + 999999, -14 * 3600},
	}
	for _, tt := range tests {
		b, err := appendTimetzText(nil, tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if n := binary.BigEndian.Uint32(b); n != 12 {
			t.Fatalf("%s: length %d, want 12", tt.in, n)
		}
		micros, west := int64(binary.BigEndian.Uint64(b[4:])), int32(binary.BigEndian.Uint32(b[12:]))
		if micros != tt.micros || west != tt.west {
			t.Errorf("%s: got (%d µs, %d s west), want (%d, %d)", tt.in, micros, west, tt.micros, tt.west)
		}
	}
	for _, v := range []string{"", "12:34+01", "12:34:56", "1:2:3+01", "12:34:56.1234567+01", "25:00:00+00", "12:60:00+00", "12:00:00+1"} {
		if _, err := appendTimetzText(nil, v); err == nil {
			t.Errorf("%q: got no error", v)
		}
	}
}
