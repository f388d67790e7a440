package connector

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// exitGrace is how long a call whose transport broke waits for the plugin
// process to be reaped, so that the error names the exit status.
const exitGrace = 2 * time.Second

// Client talks to one running plugin process. It is safe for concurrent
// use: many load units may share one process. Every method returns in-band
// connector errors as *Error (errors.Is(err, ErrAuth)), a dead plugin as
// *ExitError (errors.Is(err, ErrPluginExited)), and ctx's error when ctx
// ended the call.
type Client struct {
	name string
	path string
	pc   *plugin.Client
	proc *process
	rpc  connectorv1.ConnectorClient
	// sha256 is the binary's hex sha256, hashed before the start.
	sha256 string
	// callTimeout bounds short control-plane calls and liveness probes;
	// commitTimeout bounds CommitLoad and ApplySchema (0: none).
	callTimeout, commitTimeout time.Duration

	specMu sync.Mutex
	spec   *catalog.Spec
}

// Name is the connector's name as the host knows it (dpone-connector-<name>).
func (c *Client) Name() string { return c.name }

// Path is the plugin binary's path.
func (c *Client) Path() string { return c.path }

// SHA256 is the hex sha256 of the binary, hashed before it was started.
func (c *Client) SHA256() string { return c.sha256 }

// Exited reports whether the plugin process has exited and, if so, its
// exit status ("exit status 2", "signal: killed").
func (c *Client) Exited() (bool, string) {
	if c.proc == nil {
		return c.pc.Exited(), ""
	}
	return c.proc.exited()
}

// Close stops the plugin: it asks it to shut down, then kills it after a
// grace period. Close is idempotent; calls in flight fail.
func (c *Client) Close() error {
	c.pc.Kill()
	return nil
}

// callErr turns a gRPC failure of call op into a Go error: ctx's error when
// the caller gave up, an *ExitError when the plugin died, else a transport
// error naming the plugin.
func (c *Client) callErr(ctx context.Context, op string, err error) error {
	// gRPC may report the caller's own deadline (DeadlineExceeded, e.g. as
	// an RST_STREAM) a moment before the caller's context records it:
	// wait that moment, so the caller sees its context's error.
	if d, ok := ctx.Deadline(); ok && status.Code(err) == codes.DeadlineExceeded && time.Until(d) < deadlineSlack {
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(d) + deadlineSlack):
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("connector %s: %s: %w", c.name, op, cerr)
	}
	if c.proc != nil {
		wait := time.Duration(0)
		if status.Code(err) == codes.Unavailable || status.Code(err) == codes.Canceled {
			wait = exitGrace // the socket closed: the process is going
		}
		select {
		case <-c.proc.done:
			return c.proc.exitError(op)
		case <-time.After(wait):
		}
	}
	if status.Code(err) == codes.Unavailable {
		return fmt.Errorf("connector %s (%s): %s: the plugin printed its handshake but does not answer on its socket "+
			"(is it a dpone connector? does it hang at start?): %w", c.name, c.path, op, err)
	}
	return fmt.Errorf("connector %s: %s: transport: %w", c.name, op, err)
}

// deadlineSlack is how far before the caller's deadline gRPC's own
// DeadlineExceeded is taken for that deadline (timers on two goroutines).
const deadlineSlack = 50 * time.Millisecond

// alive fails fast when the plugin already exited.
func (c *Client) alive(op string) error {
	if c.proc == nil {
		return nil
	}
	if ok, _ := c.proc.exited(); ok {
		return c.proc.exitError(op)
	}
	return nil
}

// Spec returns the plugin's spec; the first successful answer is cached.
func (c *Client) Spec(ctx context.Context) (*catalog.Spec, error) {
	c.specMu.Lock()
	defer c.specMu.Unlock()
	if c.spec != nil {
		return c.spec, nil
	}
	resp, err := unary(ctx, c, "GetSpec", func(ctx context.Context) (*connectorv1.GetSpecResponse, error) {
		return c.rpc.GetSpec(ctx, &connectorv1.GetSpecRequest{})
	})
	if err != nil {
		return nil, err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return nil, err
	}
	c.spec = v1convert.Spec(resp)
	return c.spec, nil
}

// Check verifies cfg (credentials, reachability).
func (c *Client) Check(ctx context.Context, cfg []byte) error {
	resp, err := unary(ctx, c, "Check", func(ctx context.Context) (*connectorv1.CheckResponse, error) {
		return c.rpc.Check(ctx, &connectorv1.CheckRequest{ConfigJson: cfg})
	})
	if err != nil {
		return err
	}
	return ErrorFromProto(c.name, resp.GetError())
}

// Discover lists the streams matching selector (names or globs; empty
// means all).
func (c *Client) Discover(ctx context.Context, cfg []byte, selector []string) ([]*catalog.Stream, error) {
	resp, err := unary(ctx, c, "Discover", func(ctx context.Context) (*connectorv1.DiscoverResponse, error) {
		return c.rpc.Discover(ctx, &connectorv1.DiscoverRequest{ConfigJson: cfg, Selector: selector})
	})
	if err != nil {
		return nil, err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return nil, err
	}
	out := make([]*catalog.Stream, len(resp.GetStreams()))
	for i, st := range resp.GetStreams() {
		out[i] = v1convert.Stream(st)
	}
	return out, nil
}

// DescribeTarget returns the target table's current schema (Exists false
// when absent).
func (c *Client) DescribeTarget(ctx context.Context, cfg []byte, t *catalog.TableRef) (*catalog.Target, error) {
	resp, err := unary(ctx, c, "DescribeTarget", func(ctx context.Context) (*connectorv1.DescribeTargetResponse, error) {
		return c.rpc.DescribeTarget(ctx, &connectorv1.DescribeTargetRequest{ConfigJson: cfg, Table: v1convert.WireTable(t)})
	})
	if err != nil {
		return nil, err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return nil, err
	}
	return v1convert.Target(resp), nil
}

// ApplySchema renders (and unless r.DryRun applies) schema changes; it
// returns the DDL and the sink's notes on columns its types cannot hold
// exactly. It runs as long as the plugin stays responsive (see
// LaunchOptions.CallTimeout).
func (c *Client) ApplySchema(ctx context.Context, r *catalog.SchemaRequest) (ddl, lossy []string, err error) {
	req := v1convert.WireSchemaRequest(r)
	resp, err := unary(ctx, c, "ApplySchema", func(ctx context.Context) (*connectorv1.ApplySchemaResponse, error) {
		return c.rpc.ApplySchema(ctx, req)
	})
	if err != nil {
		return nil, nil, err
	}
	return resp.GetDdl(), resp.GetLossy(), ErrorFromProto(c.name, resp.GetError())
}

// Partition asks for req.Count partition descriptors for parallel reads.
func (c *Client) Partition(ctx context.Context, req *catalog.PartitionRequest) ([][]byte, error) {
	w := v1convert.WirePartition(req)
	resp, err := unary(ctx, c, "Partition", func(ctx context.Context) (*connectorv1.PartitionResponse, error) {
		return c.rpc.Partition(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return nil, err
	}
	return resp.GetPartitions(), nil
}

// BeginLoad creates staging for a load and returns its name.
func (c *Client) BeginLoad(ctx context.Context, req *catalog.BeginLoad) (string, error) {
	w := v1convert.WireBegin(req)
	resp, err := unary(ctx, c, "BeginLoad", func(ctx context.Context) (*connectorv1.BeginLoadResponse, error) {
		return c.rpc.BeginLoad(ctx, w)
	})
	if err != nil {
		return "", err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return "", err
	}
	return resp.GetStaging(), nil
}

// BeginLoadPayload is BeginLoad for a request that proposes a native
// payload format (protocol v1.2): it also returns the format the sink
// accepted for the load ("" for Arrow) and, when it refused, why.
func (c *Client) BeginLoadPayload(ctx context.Context, req *catalog.BeginLoad) (staging, format, reason string, err error) {
	w := v1convert.WireBegin(req)
	resp, err := unary(ctx, c, "BeginLoad", func(ctx context.Context) (*connectorv1.BeginLoadResponse, error) {
		return c.rpc.BeginLoad(ctx, w)
	})
	if err != nil {
		return "", "", "", err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return "", "", "", err
	}
	return resp.GetStaging(), resp.GetPayloadFormat(), resp.GetPayloadReason(), nil
}

// CommitLoad publishes the staged load begin into its target, recording
// receipt with it where the sink keeps receipts. It runs as long as the
// plugin stays responsive (see LaunchOptions.CallTimeout), bounded by
// LaunchOptions.CommitTimeout when set.
func (c *Client) CommitLoad(ctx context.Context, begin *catalog.BeginLoad, receipt []byte) (catalog.CommitResult, error) {
	req := &connectorv1.CommitLoadRequest{ConfigJson: begin.ConfigJSON, LoadId: begin.LoadID, ReceiptJson: receipt,
		Begin: v1convert.WireBegin(begin)}
	resp, err := unary(ctx, c, "CommitLoad", func(ctx context.Context) (*connectorv1.CommitLoadResponse, error) {
		return c.rpc.CommitLoad(ctx, req)
	})
	if err != nil {
		return catalog.CommitResult{}, err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return catalog.CommitResult{}, err
	}
	return v1convert.CommitResult(resp), nil
}

// AbortLoad drops the staging of load begin (idempotent).
func (c *Client) AbortLoad(ctx context.Context, begin *catalog.BeginLoad) error {
	req := &connectorv1.AbortLoadRequest{ConfigJson: begin.ConfigJSON, LoadId: begin.LoadID, Begin: v1convert.WireBegin(begin)}
	resp, err := unary(ctx, c, "AbortLoad", func(ctx context.Context) (*connectorv1.AbortLoadResponse, error) {
		return c.rpc.AbortLoad(ctx, req)
	})
	if err != nil {
		return err
	}
	return ErrorFromProto(c.name, resp.GetError())
}

// LoadStatus reports whether load begin was committed, is staged, or is
// unknown to the sink.
func (c *Client) LoadStatus(ctx context.Context, begin *catalog.BeginLoad) (catalog.LoadState, error) {
	req := &connectorv1.LoadStatusRequest{ConfigJson: begin.ConfigJSON, LoadId: begin.LoadID, Begin: v1convert.WireBegin(begin)}
	resp, err := unary(ctx, c, "LoadStatus", func(ctx context.Context) (*connectorv1.LoadStatusResponse, error) {
		return c.rpc.LoadStatus(ctx, req)
	})
	if err != nil {
		return catalog.LoadStateUnspecified, err
	}
	if err := ErrorFromProto(c.name, resp.GetError()); err != nil {
		return catalog.LoadStateUnspecified, err
	}
	return v1convert.LoadState(resp.GetState()), nil
}
