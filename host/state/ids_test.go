package state

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewRunID(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 34, 12, 0, time.FixedZone("MSK", 3*3600))
	id := NewRunID(now)
	if !regexp.MustCompile(`^r-20261126T053412Z-[0-9a-f]{6}$`).MatchString(id) {
		t.Errorf("NewRunID: got %q, want r-20261126T053412Z-<6 hex>", id)
	}
	if other := NewRunID(now); other == id {
		t.Errorf("NewRunID twice: got %q both times, want different ids", id)
	}
}

func TestNewLoadID(t *testing.T) {
	ident := regexp.MustCompile(`^[a-z0-9_]+$`)
	tests := []struct {
		runID, unit string
		wantPrefix  string
		wantSuffix  string
	}{
		{"r-20261126T053412Z-a1b2c3", "public.orders", "20261126t053412z_a1b2c3_", "_public_orders"},
		{"r-20261126T053412Z-a1b2c3", "Sales.\"Order Lines\"", "20261126t053412z_a1b2c3_", "_sales_order_lines"},
		{"r-20261126T053412Z-a1b2c3", "a_very_long_schema_name.an_even_longer_table_name_here", "20261126t053412z_a1b2c3_", "_a_very_long_schema_na"},
		{"my run", "", "my_run_", ""},
		{"", "x", "", "_x"},
	}
	for _, tt := range tests {
		seen := map[string]bool{}
		for range 50 {
			id := NewLoadID(tt.runID, tt.unit)
			if !ident.MatchString(id) || len(id) > 52 {
				t.Fatalf("NewLoadID(%q, %q) = %q: want [a-z0-9_]+ of at most 52 bytes", tt.runID, tt.unit, id)
			}
			if !strings.HasPrefix(id, tt.wantPrefix) || !strings.HasSuffix(id, tt.wantSuffix) {
				t.Fatalf("NewLoadID(%q, %q) = %q: want prefix %q and suffix %q", tt.runID, tt.unit, id, tt.wantPrefix, tt.wantSuffix)
			}
			seen[id] = true
		}
		if len(seen) < 45 { // 6 hex digits: collisions among 50 are rare
			t.Errorf("NewLoadID(%q, %q): got %d distinct ids of 50", tt.runID, tt.unit, len(seen))
		}
	}
}
