package connector

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
)

// A plugin that prints its handshake and then serves nothing must not hang
// the host: the first call fails, naming the plugin, its binary and the call.
func TestCallSilentPlugin(t *testing.T) {
	t.Setenv("DPONE_TESTPLUGIN_MODE", "silent")
	c := launchTest(t, LaunchOptions{CallTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the test's own bound
	defer cancel()
	_, err := c.Spec(ctx)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("got %v (test context: %v), want an error before the test's bound", err, ctx.Err())
	}
	for _, want := range []string{"connector test (" + testPluginPath() + ")", ": GetSpec: ", "does not answer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
}

// A plugin whose handlers hang (a stopped or deadlocked process) fails
// every control-plane call after the call timeout, naming the plugin and
// the call.
func TestCallTimeoutFrozenPlugin(t *testing.T) {
	c := launchTest(t, LaunchOptions{CallTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the test's own bound
	defer cancel()
	if _, err := c.CommitLoad(ctx, &catalog.BeginLoad{LoadID: "freeze"}, nil); !errors.Is(err, ErrCallTimeout) {
		t.Fatalf("freeze: got %v, want ErrCallTimeout", err)
	}
	for _, call := range []struct {
		op string
		fn func() error
	}{
		{"GetSpec", func() error { _, err := c.Spec(ctx); return err }},
		{"Check", func() error { return c.Check(ctx, nil) }},
		{"Discover", func() error { _, err := c.Discover(ctx, nil, nil); return err }},
		{"DescribeTarget", func() error { _, err := c.DescribeTarget(ctx, nil, nil); return err }},
		{"BeginLoad", func() error { _, err := c.BeginLoad(ctx, &catalog.BeginLoad{}); return err }},
		{"LoadStatus", func() error { _, err := c.LoadStatus(ctx, &catalog.BeginLoad{}); return err }},
		{"CommitLoad", func() error { _, err := c.CommitLoad(ctx, &catalog.BeginLoad{}, nil); return err }},
	} {
		t.Run(call.op, func(t *testing.T) {
			err := call.fn()
			if !errors.Is(err, ErrCallTimeout) {
				t.Fatalf("got %v, want ErrCallTimeout", err)
			}
			for _, want := range []string{"connector test (" + testPluginPath() + ")", ": " + call.op + ": ", "--plugin-timeout"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got %q, want it to contain %q", err, want)
				}
			}
		})
	}
	if ctx.Err() != nil {
		t.Fatal("the calls were bounded by the test's context, not the call timeout")
	}
}

// A commit that takes longer than the call timeout succeeds while the
// plugin answers its liveness probe; a plugin that freezes during the
// commit is given up within about the call timeout.
func TestCallTimeoutCommitLoad(t *testing.T) {
	c := launchTest(t, LaunchOptions{CallTimeout: 300 * time.Millisecond})
	ctx := context.Background()
	resp, err := c.CommitLoad(ctx, &catalog.BeginLoad{LoadID: "slow:1500ms"}, nil)
	if err != nil || resp.RowsInserted != 1 {
		t.Fatalf("slow commit: got %v, %v; want it committed", resp, err)
	}
	_, err = c.CommitLoad(ctx, &catalog.BeginLoad{LoadID: "freeze"}, nil)
	var te *TimeoutError
	if !errors.As(err, &te) || !te.Probe || te.Op != "CommitLoad" {
		t.Fatalf("frozen commit: got %v, want a probe TimeoutError for CommitLoad", err)
	}
	if !strings.Contains(err.Error(), "stopped answering") {
		t.Errorf("got %q, want it to say the plugin stopped answering", err)
	}
}

// CommitTimeout is a hard bound even for a responsive plugin.
func TestCommitTimeoutHardBound(t *testing.T) {
	c := launchTest(t, LaunchOptions{CallTimeout: time.Second, CommitTimeout: 200 * time.Millisecond})
	_, err := c.CommitLoad(context.Background(), &catalog.BeginLoad{LoadID: "slow:3s"}, nil)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Probe || te.After != 200*time.Millisecond {
		t.Fatalf("got %v, want a 200ms TimeoutError", err)
	}
}

// The caller's own cancellation is reported as such, not as a timeout.
func TestCallTimeoutCallerCancel(t *testing.T) {
	c := launchTest(t, LaunchOptions{CallTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.CommitLoad(ctx, &catalog.BeginLoad{LoadID: "slow:2s"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrCallTimeout) {
		t.Fatalf("got %v, want the caller's context.DeadlineExceeded", err)
	}
}
