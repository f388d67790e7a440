package catalog

import "testing"

func TestErrorCodeString(t *testing.T) {
	for c, want := range map[ErrorCode]string{ErrorAuth: "AUTH", ErrorNotFound: "NOT_FOUND", ErrorRateLimited: "RATE_LIMITED",
		ErrorInternal: "INTERNAL", ErrorUnspecified: "INTERNAL", ErrorCode(99): "INTERNAL"} {
		if got := c.String(); got != want {
			t.Errorf("ErrorCode(%d): got %q, want %q", c, got, want)
		}
	}
}
