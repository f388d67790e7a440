package sdk

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestLogStderrLine: one hclog JSON line with level, message, module and
// the key-value pairs.
func TestLogStderrLine(t *testing.T) {
	var buf bytes.Buffer
	logTo(&buf, LevelWarn, "kafka", "publishing at commit", "load", "l1", "reason", "fenced")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	want := map[string]string{"@level": "warn", "@message": "publishing at commit", "@module": "kafka", "load": "l1", "reason": "fenced"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s: got %v, want %q (line %s)", k, line[k], v, buf.String())
		}
	}
	if _, ok := line["@timestamp"]; !ok {
		t.Errorf("no @timestamp in %s", buf.String())
	}
}
