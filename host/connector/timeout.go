package connector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// DefaultCallTimeout bounds a control-plane call when LaunchOptions does
// not say otherwise.
const DefaultCallTimeout = 30 * time.Second

// TimeoutError reports a control-plane call that got no answer in time.
// It matches ErrCallTimeout.
type TimeoutError struct {
	Plugin string
	Path   string
	// Op is the call: GetSpec, Check, CommitLoad, ...
	Op string
	// After is the bound that expired.
	After time.Duration
	// Probe is set when a long call (CommitLoad, ApplySchema) was given
	// up because the plugin stopped answering the liveness probe (GetSpec)
	// while the call was running.
	Probe bool
}

// Error names the plugin, its binary, the call and what to do.
func (e *TimeoutError) Error() string {
	what := fmt.Sprintf("no answer within %s", e.After)
	if e.Probe {
		what = fmt.Sprintf("the plugin stopped answering (a GetSpec probe got no answer within %s) while %s ran", e.After, e.Op)
	}
	return fmt.Sprintf("connector %s (%s): %s: %s: the plugin hangs; fix or replace it, or raise --plugin-timeout if it is only slow",
		e.Plugin, e.Path, e.Op, what)
}

// Is reports whether target is ErrCallTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrCallTimeout }

// longCalls do work proportional to the data (a merge of millions of rows,
// an ALTER TABLE rewriting a table): a fixed bound would fail big loads
// forever. They run as long as the plugin stays responsive: a GetSpec probe
// every third of the call timeout must be answered within the call
// timeout. LaunchOptions.CommitTimeout adds a hard bound.
var longCalls = map[string]bool{"CommitLoad": true, "ApplySchema": true}

// unary runs control-plane call op bounded as LaunchOptions say, and turns
// a failure into the error the Client documents.
func unary[R any](ctx context.Context, c *Client, op string, call func(context.Context) (R, error)) (R, error) {
	var zero R
	if err := c.alive(op); err != nil {
		return zero, err
	}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	limit := c.callTimeout
	if longCalls[op] {
		limit = c.commitTimeout
		if c.callTimeout > 0 {
			go c.probe(cctx, cancel, op)
		}
	}
	if limit > 0 {
		var tcancel context.CancelFunc
		cctx, tcancel = context.WithTimeoutCause(cctx, limit,
			&TimeoutError{Plugin: c.name, Path: c.path, Op: op, After: limit})
		defer tcancel()
	}
	resp, err := call(cctx)
	if err != nil {
		var te *TimeoutError
		if ctx.Err() == nil && errors.As(context.Cause(cctx), &te) {
			return zero, te
		}
		// gRPC enforces the deadline on both ends: the plugin's side may
		// answer DeadlineExceeded a moment before this side's timer sets
		// the cause. The caller's context is alive, so the bound expired.
		if ctx.Err() == nil && limit > 0 && status.Code(err) == codes.DeadlineExceeded {
			return zero, &TimeoutError{Plugin: c.name, Path: c.path, Op: op, After: limit}
		}
		return zero, c.callErr(ctx, op, err)
	}
	return resp, nil
}

// probe cancels a long call with a *TimeoutError when the plugin stops
// answering GetSpec within the call timeout.
func (c *Client) probe(ctx context.Context, cancel context.CancelCauseFunc, op string) {
	every := max(c.callTimeout/3, 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, pcancel := context.WithTimeout(ctx, c.callTimeout)
		_, err := c.rpc.GetSpec(pctx, &connectorv1.GetSpecRequest{})
		// The plugin's side of gRPC may enforce the deadline a moment
		// before pctx's timer fires: DeadlineExceeded is a timeout too.
		timedOut := ctx.Err() == nil && (pctx.Err() != nil || status.Code(err) == codes.DeadlineExceeded)
		pcancel()
		if timedOut {
			cancel(&TimeoutError{Plugin: c.name, Path: c.path, Op: op, After: c.callTimeout, Probe: true})
			return
		}
		if err != nil && ctx.Err() == nil {
			return // the transport broke: the call itself fails and says why
		}
	}
}
