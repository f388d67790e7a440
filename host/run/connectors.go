package run

import (
	"context"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/plan"
)

// Source is what run calls on a source connector: the read itself and,
// for parallel reads, partitioning (Discover gives the row estimate that
// sizes an automatic partition count). Implementations must be safe for
// concurrent use.
type Source interface {
	Read(ctx context.Context, req *catalog.ReadRequest) (ReadStream, error)
	Partition(ctx context.Context, req *catalog.PartitionRequest) ([][]byte, error)
	Discover(ctx context.Context, cfg []byte, selector []string) ([]*catalog.Stream, error)
}

// ReadStream yields one read's messages in order: schema first, then
// batches, checkpoints, progress and logs; io.EOF after the last. It is
// used by one goroutine. A batch's bytes may be the transport's: they are
// forwarded or decoded, never changed.
type ReadStream interface {
	Recv() (catalog.ReadMessage, error)
	Close() error
}

// Sink is what run calls on a sink connector for the exactly-once load
// sequence: BeginLoad, Write (one stream per partition), CommitLoad, or
// AbortLoad; LoadStatus answers for a load a crashed run left pending.
// Every call after BeginLoad takes the load's whole request (its id and
// config with it), so that a restarted plugin still finds its staging.
// Implementations must be safe for concurrent use; AbortLoad is
// idempotent.
type Sink interface {
	BeginLoad(ctx context.Context, begin *catalog.BeginLoad) (string, error)
	Write(ctx context.Context, begin *catalog.BeginLoad) (WriteStream, error)
	CommitLoad(ctx context.Context, begin *catalog.BeginLoad, receipt []byte) (catalog.CommitResult, error)
	AbortLoad(ctx context.Context, begin *catalog.BeginLoad) error
	LoadStatus(ctx context.Context, begin *catalog.BeginLoad) (catalog.LoadState, error)
}

// WriteStream sends one Write call's batches; CloseAndRecv ends it and
// returns what the sink staged. It is used by one goroutine.
type WriteStream interface {
	Send(b catalog.Batch) error
	CloseAndRecv() (catalog.WriteResult, error)
}

// Connectors gives run the connectors it calls, by name, with their specs.
// A connector whose process died is started again on the next call.
// *Pool is the real one; connectortest.Fake is a fake that checks the
// order of the load sequence.
type Connectors interface {
	plan.Connectors
	Source(ctx context.Context, name string) (Source, *catalog.Spec, error)
	Sink(ctx context.Context, name string) (Sink, *catalog.Spec, error)
}

// client adapts *connector.Client's concrete streams to run's interfaces.
type client struct{ *connector.Client }

func (c client) Read(ctx context.Context, req *catalog.ReadRequest) (ReadStream, error) {
	rs, err := c.Client.Read(ctx, req)
	if err != nil {
		return nil, err
	}
	return rs, nil
}

func (c client) Write(ctx context.Context, begin *catalog.BeginLoad) (WriteStream, error) {
	ws, err := c.Client.Write(ctx, begin)
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// WriteHandoff opens a Write that takes its payloads in the plugin's
// process from the Read that named handoff.
func (c client) WriteHandoff(ctx context.Context, begin *catalog.BeginLoad, handoff string) (WriteStream, error) {
	ws, err := c.Client.WriteHandoff(ctx, begin, handoff)
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// handoffWriter is a Sink that can open a Write fed in its own process by
// a Read of the same plugin (protocol v1.4).
type handoffWriter interface {
	WriteHandoff(ctx context.Context, begin *catalog.BeginLoad, handoff string) (WriteStream, error)
}

// HandoffProcess is the plugin process whose Reads can hand payloads to
// its Writes.
func (c client) HandoffProcess() any { return c.Client }

// handoffPeer is a Source or Sink that names its process.
type handoffPeer interface{ HandoffProcess() any }

// sameProcess reports whether src and sink are one plugin process that
// can hand payloads from its Reads to its Writes: the bytes then never
// cross the host.
func sameProcess(src Source, sink Sink, caps catalog.Capabilities) bool {
	s, ok1 := src.(handoffPeer)
	d, ok2 := sink.(handoffPeer)
	_, ok3 := sink.(handoffWriter)
	return ok1 && ok2 && ok3 && caps.PayloadHandoff && s.HandoffProcess() == d.HandoffProcess()
}

var (
	_ Connectors   = (*Pool)(nil)
	_ plan.Catalog = (*connector.Client)(nil)
)
