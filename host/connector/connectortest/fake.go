// Package connectortest provides Fake, an in-memory connector that is both
// a source and a sink, for unit tests of the run engine. Like Terraform's
// MockProvider it enforces the protocol's call order (BeginLoad before
// Write, no Write after CommitLoad or AbortLoad, DDL before staging, one
// CommitLoad per load) and records every violation, so a test fails when
// the engine calls out of order. Failures and crashes can be injected at
// every call.
//
// The source serves rows with ids 1..Rows of one int64 column "id", in
// batches of BatchRows, with a checkpoint after every batch; an
// incremental read resumes after the id in its prior state. The sink keeps
// committed rows per target, with receipts, so LoadStatus answers like a
// real sink's.
package connectortest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/run"
)

// Call names a connector call, or a step inside a stream, where a failure
// can be injected.
type Call string

// Calls, in the order a load makes them.
const (
	CallDescribeStream Call = "DescribeStream"
	CallDescribeTarget Call = "DescribeTarget"
	CallApplySchema    Call = "ApplySchema"
	CallRead           Call = "Read"
	CallRecv           Call = "Read.Recv"
	CallBeginLoad      Call = "BeginLoad"
	CallWrite          Call = "Write"
	CallSend           Call = "Write.Send"
	CallCloseAndRecv   Call = "Write.CloseAndRecv"
	// CallCommitLoad fails before the sink commits; CallCommitLoadLost
	// commits and then loses the answer (the host cannot tell).
	CallCommitLoad     Call = "CommitLoad"
	CallCommitLoadLost Call = "CommitLoad(after commit)"
	CallAbortLoad      Call = "AbortLoad"
	CallLoadStatus     Call = "LoadStatus"
)

// Fault is what an injected failure does.
type Fault int

const (
	// Fail returns an in-band, non-retryable connector error.
	Fail Fault = iota + 1
	// Crash makes the plugin exit: this call and every later one fail
	// with connector.ErrPluginExited until Restart.
	Crash
	// Unavailable returns an in-band, retryable UNAVAILABLE error.
	Unavailable
)

// injected is a pending fault: it fires on the call after skip more.
type injected struct {
	fault Fault
	skip  int
}

// load is one load's progress as the sink sees it.
type load struct {
	table     string
	begun     bool
	staged    []int64
	openWrite int
	committed bool
	aborted   bool
	replace   bool   // full_refresh: the commit replaces the target's rows
	format    string // the native payload format BeginLoadPayload accepted
	// writers is what BeginLoad said of the load's Write streams
	// (protocol v1.5), writes how many were opened.
	writers, writes int
}

// Fake is an in-memory source and sink. Configure its exported fields
// before use; its methods are safe for concurrent use.
type Fake struct {
	// Rows and BatchRows shape the source (defaults 10 and 3).
	Rows, BatchRows int64
	// Partitions, when set, makes the source offer parallel partitions:
	// Partition splits ids 1..Rows into ranges.
	Partitions bool
	// SchemaOps, when set, are the schema ops the sink lists (default:
	// none listed, which means all).
	SchemaOps []string
	// Payload, when set, is a native payload format the fake emits and
	// accepts (see payload.go); RefusePayload makes the sink refuse it
	// with that reason.
	Payload, RefusePayload string
	// LoadSchema makes the sink read the load an ApplySchema is for
	// (protocol v1.3): a dry-run create of a target it creates itself
	// renders "SINK CREATE" with the load's mode and key.
	LoadSchema bool
	// Handoff makes the fake declare payload_handoff (protocol v1.4): a
	// payload read naming a handoff id keeps its payloads for the write
	// naming it. HandoffDrop makes that write lose the last payload.
	Handoff, HandoffDrop bool

	mu         sync.Mutex
	faults     map[Call]*injected
	crashed    bool
	loads      map[string]*load
	tables     map[string][]int64 // committed ids per target
	created    map[string]bool
	fences     map[string]int64 // highest lock generation seen per manifest/unit
	violations []string
	calls      []string
	// readFormats are the payload formats reads asked for, in order.
	readFormats []string
	// schemaReqs are the ApplySchema requests, in order.
	schemaReqs []*catalog.SchemaRequest
	// handed are the payloads reads handed over, by handoff id.
	handed map[string][][]byte
}

// New returns a fake serving rows ids 1..rows in batches of batchRows.
func New(rows, batchRows int64) *Fake {
	return &Fake{Rows: rows, BatchRows: batchRows, faults: map[Call]*injected{}, loads: map[string]*load{},
		tables: map[string][]int64{}, created: map[string]bool{}, fences: map[string]int64{}}
}

// Inject makes the next call c fail with fault f (once).
func (f *Fake) Inject(c Call, fault Fault) { f.InjectAfter(c, 0, fault) }

// InjectAfter lets skip calls c pass, then fails the next one with fault
// f (once): e.g. a Recv in the middle of a read.
func (f *Fake) InjectAfter(c Call, skip int, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[c] = &injected{fault: fault, skip: skip}
}

// Fence returns the highest lock generation the sink has seen for a
// manifest's unit (0 if none).
func (f *Fake) Fence(manifest, unit string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fences[manifest+"/"+unit]
}

// fence checks a load request's fence as a fencing sink does (see
// sdk.Fence): a request without one is a violation (the spec advertises
// fencing), a generation older than the unit's fence is refused with a
// CONFIG error, and raise lifts the unit's fence to the request's. Callers
// hold f.mu.
func (f *Fake) fence(call Call, loadID string, b *catalog.BeginLoad, raise bool) error {
	if b == nil {
		return f.violate("%s %s without its BeginLoad request", call, loadID)
	}
	gen := b.FenceGeneration
	if gen == 0 || b.ManifestID == "" || b.UnitID == "" {
		return f.violate("%s %s without a fence (manifest, unit and lock generation)", call, loadID)
	}
	key := b.ManifestID + "/" + b.UnitID
	if cur := f.fences[key]; gen < cur {
		return &connector.Error{Plugin: "fake", Code: catalog.ErrorConfig,
			Message: fmt.Sprintf("%s %s is fenced off: lock generation %d is older than the fence %d of %s", call, loadID, gen, cur, key)}
	}
	if raise {
		f.fences[key] = gen
	}
	return nil
}

// Restart brings a crashed plugin back; what was staged stays staged
// (staging lives in the target database) but open streams are gone.
func (f *Fake) Restart() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.crashed = false
	for _, l := range f.loads {
		l.openWrite = 0
	}
}

// Target returns the ids committed into table ("ns.name").
func (f *Fake) Target(table string) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.tables[table])
}

// Staged returns the load ids that are staged but neither committed nor
// aborted (leftover staging).
func (f *Fake) Staged() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, l := range f.loads {
		if l.begun && !l.committed && !l.aborted {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Violations lists the calls made out of protocol order.
func (f *Fake) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.violations)
}

// Calls lists the calls made, in order.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// enter records call c and returns the injected error, if any. Callers
// hold f.mu.
func (f *Fake) enter(c Call) error {
	f.calls = append(f.calls, string(c))
	if f.crashed {
		return &connector.ExitError{Plugin: "fake", Op: string(c), Status: "signal: killed"}
	}
	in, ok := f.faults[c]
	if !ok {
		return nil
	}
	if in.skip > 0 {
		in.skip--
		return nil
	}
	delete(f.faults, c)
	if in.fault == Crash {
		f.crashed = true
		return &connector.ExitError{Plugin: "fake", Op: string(c), Status: "signal: killed"}
	}
	if in.fault == Unavailable {
		return &connector.Error{Plugin: "fake", Code: catalog.ErrorUnavailable, Retryable: true, Message: "injected outage in " + string(c)}
	}
	return &connector.Error{Plugin: "fake", Code: catalog.ErrorInternal, Message: "injected failure in " + string(c)}
}

func (f *Fake) violate(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	f.violations = append(f.violations, msg)
	return &connector.Error{Plugin: "fake", Code: catalog.ErrorInternal, Message: "protocol violation: " + msg}
}

// Spec is the fake's spec: source and sink, incremental_append,
// incremental_merge and full_refresh, the column strategy, describe, load
// status, fencing and, when f.Partitions, parallel partitions.
func (f *Fake) Spec() *catalog.Spec {
	return &catalog.Spec{Name: "fake", Version: "0.0.0", ProtocolVersion: 1,
		Capabilities: catalog.Capabilities{Source: true, Destination: true,
			SinkModes:             []string{"full_refresh", "incremental_append", "incremental_merge"},
			IncrementalStrategies: []string{"column"}, DescribeStream: true, DescribeTarget: true,
			ApplySchema: true, LoadStatus: true, AtomicReceipts: true, ParallelPartitions: f.Partitions, TypedOptions: true,
			Fencing: true, LoadSchema: f.LoadSchema, SchemaOps: f.SchemaOps, SourcePayloadFormats: f.payloadFormats(), SinkPayloadFormats: f.payloadFormats(),
			PayloadHandoff: f.Handoff && f.Payload != ""}}
}

// Catalog, Source and Sink make the fake a run.Connectors for every name.
func (f *Fake) Catalog(context.Context, string) (plan.Catalog, *catalog.Spec, error) {
	return f, f.Spec(), nil
}

// Source returns the fake as a source.
func (f *Fake) Source(context.Context, string) (run.Source, *catalog.Spec, error) {
	return f, f.Spec(), nil
}

// Sink returns the fake as a sink.
func (f *Fake) Sink(context.Context, string) (run.Sink, *catalog.Spec, error) {
	return f, f.Spec(), nil
}

var _ run.Connectors = (*Fake)(nil)

func schemaMsg() *catalog.Schema {
	return &catalog.Schema{Fields: []*catalog.Field{{Name: "id", Type: &catalog.LogicalType{Kind: catalog.KindInt64}}}}
}

func tableKey(t *catalog.TableRef) string { return t.GetNamespace() + "." + t.GetName() }

// DescribeStream describes the one stream.
func (f *Fake) DescribeStream(context.Context, *catalog.ReadRequest) (*catalog.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallDescribeStream); err != nil {
		return nil, err
	}
	return &catalog.Stream{Name: "t", Schema: schemaMsg(), PayloadFormats: f.payloadFormats()}, nil
}

// Discover lists the one stream.
func (f *Fake) Discover(context.Context, []byte, []string) ([]*catalog.Stream, error) {
	return []*catalog.Stream{{Name: "t", Schema: schemaMsg(), RowEstimate: f.Rows, PayloadFormats: f.payloadFormats()}}, nil
}

// DescribeTarget says whether the target was created.
func (f *Fake) DescribeTarget(_ context.Context, _ []byte, t *catalog.TableRef) (*catalog.Target, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallDescribeTarget); err != nil {
		return nil, err
	}
	if !f.created[tableKey(t)] {
		return &catalog.Target{}, nil
	}
	return &catalog.Target{Exists: true, Schema: schemaMsg()}, nil
}

// ApplySchema renders one statement per change and, unless dry run,
// creates the table. Applying DDL while a load into the table is staged
// is a violation, and so is applying a create to a sink that creates its
// targets itself (schema ops without create_table).
func (f *Fake) ApplySchema(_ context.Context, r *catalog.SchemaRequest) (ddl, lossy []string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallApplySchema); err != nil {
		return nil, nil, err
	}
	f.schemaReqs = append(f.schemaReqs, r)
	t := r.Table
	// The DDL names ops as the wire does (OP_CREATE_TABLE), as it always has.
	for i, c := range v1convert.WireChanges(r.Changes) {
		if r.Changes[i].GetOp() == catalog.OpCreateTable && f.SchemaOps != nil && !slices.Contains(f.SchemaOps, "create_table") {
			if !r.DryRun || !f.LoadSchema || r.For == nil {
				return nil, nil, f.violate("ApplySchema create of %s: the sink creates its targets itself", tableKey(t))
			}
			ddl = append(ddl, fmt.Sprintf("SINK CREATE %s mode=%s key=%v", tableKey(t), r.For.Mode, r.For.UniqueKey))
			continue
		}
		ddl = append(ddl, fmt.Sprintf("%s %s pk=%v", c.GetOp(), tableKey(t), c.GetPrimaryKey()))
	}
	if !r.DryRun {
		for id, l := range f.loads {
			if l.table == tableKey(t) && l.begun && !l.committed && !l.aborted && l.openWrite > 0 {
				return nil, nil, f.violate("ApplySchema on %s while load %s is writing", l.table, id)
			}
		}
		f.created[tableKey(t)] = true
	}
	return ddl, nil, nil
}

// SchemaRequests returns the ApplySchema requests so far, in order.
func (f *Fake) SchemaRequests() []*catalog.SchemaRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.schemaReqs)
}

// Partition splits ids 1..Rows into req.Count ranges "lo-hi"; without
// f.Partitions it is a violation (the spec does not offer it).
func (f *Fake) Partition(_ context.Context, req *catalog.PartitionRequest) ([][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Partition")
	if !f.Partitions {
		return nil, f.violate("Partition called but the spec offers no parallel partitions")
	}
	if len(req.PriorState) > 0 {
		return nil, f.violate("Partition of an incremental read")
	}
	n := int64(req.Count)
	var out [][]byte
	for i := range n {
		lo, hi := i*f.Rows/n+1, (i+1)*f.Rows/n
		out = append(out, []byte(fmt.Sprintf("%d-%d", lo, hi)))
	}
	return out, nil
}

// Read starts a read after the prior state's id.
func (f *Fake) Read(_ context.Context, req *catalog.ReadRequest) (run.ReadStream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallRead); err != nil {
		return nil, err
	}
	var after int64
	last := f.Rows
	if p := req.Partition; len(p) > 0 {
		if _, err := fmt.Sscanf(string(p), "%d-%d", &after, &last); err != nil {
			return nil, f.violate("Read: partition %q is not one Partition returned", p)
		}
		after--
	}
	if ps := req.PriorState; len(ps) > 0 {
		n, err := strconv.ParseInt(string(ps), 10, 64)
		if err != nil {
			return nil, f.violate("Read: prior state %q is not a checkpoint this source sent", ps)
		}
		after = n
	}
	if p := req.PayloadFormat; p != "" && p != f.Payload {
		return nil, f.violate("Read: payload format %q the stream does not list", p)
	}
	if req.PayloadHandoff != "" && (!f.Handoff || req.PayloadFormat == "") {
		return nil, f.violate("Read: handoff %q without payload_handoff or a payload format", req.PayloadHandoff)
	}
	f.readFormats = append(f.readFormats, req.PayloadFormat)
	return &readStream{f: f, next: after + 1, last: last, format: req.PayloadFormat, handoff: req.PayloadHandoff}, nil
}

type readStream struct {
	f          *Fake
	next, last int64
	sentSchema bool
	pendingCP  []byte
	done       bool
	format     string // native payload format, "" for Arrow
	handoff    string // the handoff id its payloads go to
}

// Recv sends the schema, then batches each followed by its checkpoint.
func (s *readStream) Recv() (catalog.ReadMessage, error) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallRecv); err != nil {
		return catalog.ReadMessage{}, err
	}
	switch {
	case !s.sentSchema:
		s.sentSchema = true
		return catalog.ReadMessage{Kind: catalog.MessageSchema, Schema: schemaMsg()}, nil
	case s.pendingCP != nil:
		cp := s.pendingCP
		s.pendingCP = nil
		return catalog.ReadMessage{Kind: catalog.MessageCheckpoint, Checkpoint: cp}, nil
	case s.next > s.last || s.done:
		return catalog.ReadMessage{}, eof
	}
	last := min(s.next+f.BatchRows-1, s.last)
	if s.format != "" {
		var batch []int64
		for id := s.next; id <= last; id++ {
			batch = append(batch, id)
		}
		s.next = last + 1
		s.pendingCP = []byte(strconv.FormatInt(last, 10))
		p := encodeIDs(batch)
		if s.handoff != "" {
			if f.handed == nil {
				f.handed = map[string][][]byte{}
			}
			f.handed[s.handoff] = append(f.handed[s.handoff], p)
			return catalog.ReadMessage{Kind: catalog.MessageBatch, Batch: catalog.Batch{Rows: int64(len(batch)), HandoffBytes: int64(len(p))}}, nil
		}
		return catalog.ReadMessage{Kind: catalog.MessageBatch, Batch: catalog.Batch{Payload: p, Rows: int64(len(batch))}}, nil
	}
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	for id := s.next; id <= last; id++ {
		b.Append(id)
	}
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, int64(col.Len()))
	defer rec.Release()
	ipc, err := v1convert.EncodeBatch(rec)
	if err != nil {
		return catalog.ReadMessage{}, err
	}
	s.next = last + 1
	s.pendingCP = []byte(strconv.FormatInt(last, 10))
	return catalog.ReadMessage{Kind: catalog.MessageBatch, Batch: catalog.Batch{ArrowIPC: ipc, Rows: rec.NumRows()}}, nil
}

// Close ends the read.
func (s *readStream) Close() error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.done = true
	return nil
}
