package plan

import (
	"bytes"
	"strings"
	"testing"
)

// TestWriteTextModeKey: the mode line names the key only for the modes
// that use one (an append has none, even when the manifest's defaults
// give a unique_key).
func TestWriteTextModeKey(t *testing.T) {
	for _, tt := range []struct {
		mode, want string
	}{
		{"incremental_append", "mode:        incremental_append\n"},
		{"full_refresh", "mode:        full_refresh\n"},
		{"incremental_merge", "mode:        incremental_merge by id\n"},
		{"snapshot_diff", "mode:        snapshot_diff by id\n"},
	} {
		var buf bytes.Buffer
		(&Plan{Manifest: "m", Units: []*Unit{{Unit: "s.t", Mode: tt.mode, UniqueKey: []string{"id"}}}}).WriteText(&buf)
		if !strings.Contains(buf.String(), tt.want) {
			t.Errorf("%s: got\n%s\nwant a line %q", tt.mode, buf.String(), tt.want)
		}
	}
}
