package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

func TestWatchCancelLogsLateReturn(t *testing.T) {
	var buf bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &buf, JSONFormat: true, Level: hclog.Info})

	ended := watchCancel(context.Background(), logger, "s")
	ended()
	if buf.Len() != 0 {
		t.Fatalf("a Read that was never cancelled logged %s", buf.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	ended = watchCancel(ctx, logger, "events")
	cancel()
	time.Sleep(1100 * time.Millisecond) // a Read deaf to ctx for over a second
	ended()
	var entry map[string]any
	if err := json.Unmarshal(buf.Bytes(), &entry); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	if entry["@message"] != LogReadReturnedAfterCancel || entry["@level"] != "warn" || entry["stream"] != "events" {
		t.Errorf("got %v, want a warn %q for stream events", entry, LogReadReturnedAfterCancel)
	}
	if ms, _ := entry["after_ms"].(float64); ms < 1000 {
		t.Errorf("after_ms: got %v, want at least 1000", entry["after_ms"])
	}
}
