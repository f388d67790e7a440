package sdk

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCursorRangeBounds: a read with a cursor range selects exactly
// [lower, upper): no NULL cursors, no lookback, no safety lag, no
// checkpoint to resume from.
func TestCursorRangeBounds(t *testing.T) {
	opts := CursorOptions{IncrementalColumn: "c", Lookback: []byte(`5`), SafetyLag: []byte(`"5 minutes"`), NullPolicy: NullFail}
	c, err := NewCursor(opts, ReadRequest{Mode: ReadFull, CursorRange: &CursorRange{Lower: "10", Upper: "20"}}, []string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	lo, up := "10", "20"
	want := CursorBounds{From: &lo, Upper: &up}
	if diff := cmp.Diff(want, c.Bounds()); diff != "" {
		t.Errorf("bounds (-want +got):\n%s", diff)
	}
	if c.FailOnNulls() {
		t.Error("a range read checks for NULL cursors; want not: it never reads them")
	}
	if c.Range() == nil || c.Range().Upper != "20" {
		t.Errorf("Range() = %v, want [10, 20)", c.Range())
	}
}

// TestCursorRangeRefused: a range is a slice of a full read; with an
// incremental read or a checkpoint, or without bounds, it is a config error.
func TestCursorRangeRefused(t *testing.T) {
	opts := CursorOptions{IncrementalColumn: "c"}
	for name, req := range map[string]ReadRequest{
		"incremental": {Mode: ReadIncremental, CursorRange: &CursorRange{Lower: "1", Upper: "2"}},
		"prior state": {Mode: ReadFull, PriorState: []byte(`{"v":2}`), CursorRange: &CursorRange{Lower: "1", Upper: "2"}},
		"no upper":    {Mode: ReadFull, CursorRange: &CursorRange{Lower: "1"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewCursor(opts, req, nil)
			var se *Error
			if !errors.As(err, &se) || se.Code != CodeConfig {
				t.Errorf("got %v, want a CONFIG error", err)
			}
		})
	}
}
