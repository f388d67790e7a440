package duckdb

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBuildNeedsArrowTag: a plain go build of the connector fails, naming
// the tag, instead of shipping a staging path the tests never ran.
func TestBuildNeedsArrowTag(t *testing.T) {
	cmd := exec.Command("go", "vet", ".")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("go vet without -tags duckdb_arrow: got success, want a compile error")
	}
	if !strings.Contains(string(out), "build_with_tags_duckdb_arrow") {
		t.Errorf("go vet without the tag: got %s, want an error naming build_with_tags_duckdb_arrow", out)
	}
}
