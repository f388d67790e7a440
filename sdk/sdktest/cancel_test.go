package sdktest

import (
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/dpone-go/dpone/sdk"
)

// TestCancelSink: the suite reads the SDK's report of a cancelled Read's
// return as go-plugin passes it on (JSON numbers as float64).
func TestCancelSink(t *testing.T) {
	ch := make(chan time.Duration, 1)
	k := cancelSink{ch}
	k.Accept("plugin", hclog.Info, "something else", "after_ms", float64(5))
	k.Accept("plugin", hclog.Warn, sdk.LogReadReturnedAfterCancel, "stream", "events", "after_ms", float64(3250))
	select {
	case got := <-ch:
		if got != 3250*time.Millisecond {
			t.Errorf("got %s, want 3.25s", got)
		}
	default:
		t.Fatal("no report passed on")
	}
	if len(ch) != 0 {
		t.Errorf("an unrelated message was passed on")
	}
}
