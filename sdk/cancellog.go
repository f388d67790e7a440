package sdk

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// LogReadReturnedAfterCancel is the message the plugin logs when a Read
// returns after the host cancelled it, with the stream and after_ms (how
// long Read took to return after the cancellation). It is logged at INFO,
// at WARN when Read took longer than a second: a Read must return promptly
// when its ctx is done. The certification suite reads it to measure an
// out-of-process plugin's Read.
const LogReadReturnedAfterCancel = "read returned after cancellation"

// watchCancel notes when ctx is cancelled; the returned func, called when
// Read returns, logs LogReadReturnedAfterCancel if it was.
func watchCancel(ctx context.Context, logger hclog.Logger, stream string) func() {
	var at atomic.Int64
	stop := context.AfterFunc(ctx, func() { at.Store(time.Now().UnixNano()) })
	return func() {
		if stop() {
			return // not cancelled while Read ran
		}
		// Cancelled: AfterFunc started its func, which may not have
		// stored the time yet (then the cancellation was just now).
		after := time.Duration(0)
		if t := at.Load(); t != 0 {
			after = time.Since(time.Unix(0, t))
		}
		level := hclog.Info
		if after > time.Second {
			level = hclog.Warn
		}
		logger.Log(level, LogReadReturnedAfterCancel, "stream", stream, "after_ms", after.Milliseconds())
	}
}
