package run

import (
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	top := func(n int64) int64 { return n - 1 }
	bottom := func(int64) int64 { return 0 }
	for _, tc := range []struct {
		n        int
		low, top time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{6, 5 * time.Second, 10 * time.Second}, // capped at 10s
		{200, 5 * time.Second, 10 * time.Second},
	} {
		if got := retryDelay(time.Second, 10*time.Second, tc.n, bottom); got != tc.low {
			t.Errorf("attempt %d, least jitter: got %s, want %s", tc.n, got, tc.low)
		}
		if got := retryDelay(time.Second, 10*time.Second, tc.n, top); got != tc.top {
			t.Errorf("attempt %d, most jitter: got %s, want %s", tc.n, got, tc.top)
		}
	}
	for i := 0; i < 1000; i++ {
		if d := retryDelay(time.Second, 3*time.Second, 1+i%10, nil); d < 500*time.Millisecond || d > 3*time.Second {
			t.Fatalf("random jitter: got %s, want within [500ms, 3s]", d)
		}
	}
}
