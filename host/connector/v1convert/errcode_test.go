package v1convert

import (
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestErrorCodesMap: every v1 code maps, back and forth, to the code of
// the same name; a code from a newer minor reads as internal.
func TestErrorCodesMap(t *testing.T) {
	for w, name := range connectorv1.ErrorCode_name {
		c := ErrorCode(connectorv1.ErrorCode(w))
		if got := WireErrorCode(c); got != connectorv1.ErrorCode(w) {
			t.Errorf("%s: got %v back", name, got)
		}
		if w != 0 && "ERROR_CODE_"+c.String() != name {
			t.Errorf("%s: got %s", name, c)
		}
	}
	if got := ErrorCode(42); got != catalog.ErrorInternal {
		t.Errorf("unknown code: got %s, want INTERNAL", got)
	}
}
