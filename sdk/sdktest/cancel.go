package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

// cancelCheck starts a full read, cancels it after the first message and
// verifies that the plugin stops: Read must return within cancel_within
// of the cancellation (measured at the server in process), its CPU time
// must stay flat afterwards, and it must still answer calls.
func (s *session) cancelCheck(c *checkT) {
	st, ok := s.floorStream()
	if !ok {
		c.Skipf("fixture lists no streams")
	}
	p := s.client(c)
	var start time.Time
	for attempt := 1; ; attempt++ {
		var retry bool
		start, retry = s.cancelRead(c, p, st, attempt == cancelAttempts)
		if !retry {
			break
		}
		c.notef("attempt %d: the plugin reported no cancelled Read: its Read may have returned as the cancellation arrived (a small stream); again with a new read", attempt)
	}
	// Give the plugin a moment to notice, then watch its CPU time.
	grace := min(s.f.cancelWithin(), time.Second)
	time.Sleep(grace / 4)
	cpu0, ok0 := cpuSeconds(p.pid)
	window := grace
	time.Sleep(window)
	cpu1, ok1 := cpuSeconds(p.pid)
	if ok0 && ok1 {
		busy := (cpu1 - cpu0) / window.Seconds()
		s.rep.metric("cpu_after_cancel", busy)
		c.notef("CPU use %.0f%% of a core in the %s after cancelling", busy*100, window)
		// In process the account is the whole test process's: an idle
		// harness adds a few percent; parallel tests in the same package
		// add more (certify the binary for an exact number).
		if busy > 0.4 {
			c.Errorf("the plugin kept working after the read was cancelled (%.0f%% of a core): Read must return when ctx is done", busy*100)
		}
	}
	// The plugin still serves calls.
	ctx2, cancel2 := context.WithTimeout(context.Background(), s.f.cancelWithin())
	defer cancel2()
	if _, err := p.GetSpec(ctx2, &connectorv1.GetSpecRequest{}); err != nil {
		c.Errorf("GetSpec after a cancelled read: %v", err)
	}
	s.rep.metric("cancel_seconds", time.Since(start).Seconds()-grace.Seconds()/4-window.Seconds())
}

// cancelAttempts is how many reads the cancel check cancels before it
// calls a plugin that never reports a cancelled Read broken: a Read of a
// small stream can return normally just as the cancellation arrives
// (then the SDK has nothing to report, and the client still sees its own
// cancellation), which a plugin that ignores ctx cannot do every time.
const cancelAttempts = 3

// cancelRead starts a full read of st, cancels it at its first message
// (or after 50ms) and judges how the Read returned; retry is true when the
// plugin reported nothing and this is not the last attempt.
func (s *session) cancelRead(c *checkT, p *proc, st StreamFixture, last bool) (start time.Time, retry bool) {
	for drained := false; p.cancelled != nil && !drained; { // reports of earlier reads
		select {
		case <-p.cancelled:
		default:
			drained = true
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs, err := p.Read(ctx, s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options))
	if err != nil {
		c.Fatalf("Read: %v", err)
	}
	// Cancel at the first message or after 50ms, whichever comes first:
	// the SDK coalesces records into ~1 MiB batches, so a small stream
	// may send nothing before its Read returns.
	first := make(chan struct{})
	ended := make(chan error, 1)
	go func() {
		once := false
		for {
			_, err := rs.Recv()
			if !once {
				once = true
				close(first)
			}
			if err != nil {
				ended <- err
				return
			}
		}
	}()
	select {
	case <-first:
	case <-time.After(50 * time.Millisecond):
	}
	start = time.Now()
	cancel()
	readEnded := false
	if err := <-ended; errors.Is(err, io.EOF) {
		readEnded = true
		c.notef("the read of %s ended before the cancellation reached it: use a larger stream (floors.stream) to exercise cancellation", streamKey(st))
	}
	if p.reads != nil {
		within := s.f.cancelWithin()
		if !p.reads.waitIdle(within) {
			late := "it had not returned 10s later either"
			if p.reads.waitIdle(10 * time.Second) {
				late = fmt.Sprintf("it returned after %s", time.Since(start).Round(time.Millisecond))
			}
			c.Errorf("Read did not return within %s of the cancellation (%s): Read must return when ctx is done, also while it sleeps, waits on I/O or cleans up", within, late)
		} else {
			took := time.Since(start)
			s.rep.metric("read_return_after_cancel_seconds", took.Seconds())
			c.notef("Read returned %s after the cancellation", took.Round(time.Millisecond))
		}
	} else if p.cancelled != nil && !readEnded {
		within := s.f.cancelWithin()
		select {
		case after := <-p.cancelled:
			s.rep.metric("read_return_after_cancel_seconds", after.Seconds())
			if after > within {
				c.Errorf("Read returned %s after the cancellation, later than %s: Read must return when ctx is done, also while it sleeps, waits on I/O or cleans up", after, within)
			} else {
				c.notef("Read returned %s after the cancellation (as the plugin's SDK logs it)", after)
			}
		case <-time.After(within + time.Second):
			if !last {
				return start, true // a late report is judged by the next attempt
			}
			select {
			case after := <-p.cancelled:
				c.Errorf("Read did not return within %s of the cancellation (it returned after %s): Read must return when ctx is done, also while it sleeps, waits on I/O or cleans up", within, after)
			case <-time.After(10 * time.Second):
				c.Errorf("Read did not return within %s of the cancellation: the plugin never logged %q in %d reads (plugins built with this SDK log it at INFO; rebuild an older plugin, and keep DPONE_PLUGIN_LOG_LEVEL at info or lower)", within, sdk.LogReadReturnedAfterCancel, cancelAttempts)
			}
		}
	}
	return start, false
}

// cpuSeconds is the user+system CPU time of pid (0: this process).
func cpuSeconds(pid int) (float64, bool) {
	path := "/proc/self/stat"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (ut + st) / 100, true // USER_HZ is 100 on Linux
}

// memoryCheck reports the plugin's peak resident set against the floor.
func (s *session) memoryCheck(t T) {
	s.check(t, "memory", func(c *checkT) {
		s.mu.Lock()
		if s.cur != nil {
			s.sampleRSS(s.cur)
		}
		rss := s.rss
		s.mu.Unlock()
		if rss == 0 {
			c.skipOptional("peak RSS not measurable here (no /proc)")
		}
		s.rep.metric("peak_rss_mb", rss)
		if s.l.mode() == "in-process" {
			c.notef("peak RSS %.1f MiB of the test process (in process: includes the harness; certify the binary for the plugin's own number)", rss)
			return
		}
		c.notef("peak RSS (VmHWM) of the plugin process: %.1f MiB", rss)
		if m := s.f.Floors.MaxRSSMB; m > 0 && rss > m {
			c.Errorf("peak RSS %.1f MiB exceeds the fixture ceiling %.0f MiB", rss, m)
		}
	})
}

// readTracker counts the Read handlers running in an in-process server.
type readTracker struct {
	mu     sync.Mutex
	active int
	idle   chan struct{} // closed when active drops to 0
}

// intercept is a gRPC stream interceptor that tracks Read handlers.
func (r *readTracker) intercept(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if !strings.HasSuffix(info.FullMethod, "/Read") {
		return h(srv, ss)
	}
	r.mu.Lock()
	r.active++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.active--
		if r.active == 0 && r.idle != nil {
			close(r.idle)
			r.idle = nil
		}
		r.mu.Unlock()
	}()
	return h(srv, ss)
}

// waitIdle waits up to d for every Read handler to return.
func (r *readTracker) waitIdle(d time.Duration) bool {
	r.mu.Lock()
	if r.active == 0 {
		r.mu.Unlock()
		return true
	}
	if r.idle == nil {
		r.idle = make(chan struct{})
	}
	ch := r.idle
	r.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// cancelSink passes the SDK's LogReadReturnedAfterCancel reports of an
// out-of-process plugin to the cancel check.
type cancelSink struct{ out chan<- time.Duration }

// Accept implements hclog.SinkAdapter.
func (k cancelSink) Accept(_ string, _ hclog.Level, msg string, args ...any) {
	if msg != sdk.LogReadReturnedAfterCancel {
		return
	}
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] != "after_ms" {
			continue
		}
		var ms float64
		switch v := args[i+1].(type) {
		case float64:
			ms = v
		case int64:
			ms = float64(v)
		case int:
			ms = float64(v)
		case json.Number:
			ms, _ = v.Float64()
		default:
			continue
		}
		select {
		case k.out <- time.Duration(ms * float64(time.Millisecond)):
		default: // nobody waits: drop
		}
	}
}
