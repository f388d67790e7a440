package postgres

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseUUID(t *testing.T) {
	want := [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	tests := []struct {
		in string
		ok bool
	}{
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", true},
		{"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", true},
		{"a0eebc999c0b4ef8bb6d6bb9bd380a11", true},
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g", false},
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", false},
		{"a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11", false},
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", false},
		{"", false},
	}
	for _, tc := range tests {
		var got [16]byte
		err := parseUUID(&got, tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parseUUID(%q): got error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !cmp.Equal(got, want) {
			t.Errorf("parseUUID(%q): got %x, want %x", tc.in, got, want)
		}
	}
}

func BenchmarkParseUUID(b *testing.B) {
	s := "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
	var u [16]byte
	for b.Loop() {
		if err := parseUUID(&u, s); err != nil {
			b.Fatal(err)
		}
	}
}
