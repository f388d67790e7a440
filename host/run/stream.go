package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/plan"
)

// partitionRows is how many rows one partition of an automatic parallel
// read should have at least.
const partitionRows = 1_000_000

// autoMaxPartitions caps parallel: auto. Every partition writes into the
// load's one staging table: measured PostgreSQL → PostgreSQL (make bench,
// 5M rows, 2 cores), 1, 2 and 4 partitions took 1.40, 1.37 and 1.45× the
// psql pipe's wall time and 1.48, 1.55 and 1.59× its CPU, the COPYs
// waiting on the staging table's extension lock 0, 6 and 23% of the time;
// docs/types/postgres.md has the numbers. A number in parallel still asks
// for more.
const autoMaxPartitions = 2

// coresPerPartition is how many cores one partition keeps busy: its read
// and its write (on one machine, the source's and the target's server
// processes besides dpone's). Measured on 2 cores with block-range reads
// (5M rows, quiet): 2 partitions took the same wall time as 1 (15.61 s
// against 15.64 s) for 8% more CPU and a peak RSS growing with the table
// (125 → 141 MB from 1M to 5M rows, against 107 → 110 MB).
const coresPerPartition = 2

// autoPartitions is the partition count of parallel: auto for a stream
// of about rows rows on cpus cores (below 2: read serially).
func autoPartitions(rows int64, cpus int) int {
	return int(min(int64(cpus/coresPerPartition), rows/partitionRows, autoMaxPartitions))
}

// openReads starts the unit's Read, or one Read per partition when the
// source can partition and source.options.parallel asks for it, and
// returns the streams positioned after their schema. A format asks for
// that native payload format instead of Arrow; with handoff, each read
// passes its payloads in the plugin's process to the Write that names its
// handoff id (r.handoffs, one per stream).
func (r *unitRun) openReads(ctx context.Context, src Source, p *plan.Unit, format string, handoff bool) ([]ReadStream, *catalog.Schema, int64, error) {
	req := withPayloadFormat(p.Read, format)
	parts, err := r.partitions(ctx, src, p)
	if err != nil {
		return nil, nil, 0, err
	}
	reqs := []*catalog.ReadRequest{req}
	if len(parts) > 1 {
		reqs = reqs[:0]
		for _, p := range parts {
			pr := req.Clone()
			pr.Partition = p
			reqs = append(reqs, pr)
		}
		r.e.logf("%s: reading %d partitions from one snapshot", r.u.ID, len(parts))
	}
	var streams []ReadStream
	var schema *catalog.Schema
	var estimate int64
	r.handoffs = nil
	for _, pr := range reqs {
		if handoff {
			if pr == p.Read {
				pr = pr.Clone()
			}
			pr.PayloadHandoff = newHandoffID()
			r.handoffs = append(r.handoffs, pr.PayloadHandoff)
		}
		rs, err := src.Read(ctx, pr)
		if err != nil {
			return nil, nil, 0, err
		}
		s, est, err := firstSchema(rs, r.u.ID)
		if err != nil {
			return nil, nil, 0, err
		}
		if schema == nil {
			schema = s
		}
		estimate += est
		streams = append(streams, rs)
	}
	return streams, schema, estimate, nil
}

// partitions asks the source for partition descriptors when the unit reads
// in parallel: source.options.parallel is a number, or "auto" (the
// default: one partition per million estimated rows, at most one per
// coresPerPartition cores and at most autoMaxPartitions). Incremental reads are never
// partitioned.
func (r *unitRun) partitions(ctx context.Context, src Source, p *plan.Unit) ([][]byte, error) {
	req := p.Read
	if !p.SourceSpec.Capabilities.ParallelPartitions || p.Incremental {
		return nil, nil
	}
	n := p.Parallel
	if n == 0 { // auto
		streams, err := src.Discover(ctx, req.ConfigJSON, []string{r.u.Source.Table.String()})
		if err != nil || len(streams) != 1 {
			return nil, nil // no estimate: read serially
		}
		n = autoPartitions(streams[0].RowEstimate, runtime.NumCPU())
	}
	if n < 2 {
		return nil, nil
	}
	parts, err := src.Partition(ctx, &catalog.PartitionRequest{ConfigJSON: req.ConfigJSON, Namespace: req.Namespace,
		Stream: req.Stream, Count: int32(n), OptionsJSON: req.OptionsJSON, PriorState: req.PriorState})
	if err != nil {
		return nil, fmt.Errorf("partition %s: %w", r.u.ID, err)
	}
	return parts, nil
}

// counters are a unit's totals, shared by its partition streams.
type counters struct {
	read, bytes, written, quarantined atomic.Int64
	writeNanos                        atomic.Int64
	mu                                sync.Mutex
	warnings                          []string // the sources' WARN logs
}

func (c *counters) warn(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, msg)
}

// pumpAll forwards every stream to its own Write stream into the load,
// concurrently, and returns the checkpoint of a single stream (partitioned
// reads have none). The first failure cancels the other streams.
func (r *unitRun) pumpAll(ctx context.Context, streams []ReadStream, sink Sink, begin *catalog.BeginLoad, t *transformer) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &counters{}
	checkpoints := make([][]byte, len(streams))
	errs := make([]error, len(streams))
	var wg sync.WaitGroup
	for i, rs := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			handoff := ""
			if i < len(r.handoffs) {
				handoff = r.handoffs[i]
			}
			checkpoints[i], errs[i] = r.pump(ctx, rs, sink, begin, t, c, handoff)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	r.rep.RowsRead, r.rep.Bytes = c.read.Load(), c.bytes.Load()
	r.rep.RowsWritten, r.rep.RowsQuarantined = c.written.Load(), c.quarantined.Load()
	r.rep.WriteSeconds = time.Duration(c.writeNanos.Load()).Seconds()
	r.rep.Warnings = append(r.rep.Warnings, c.warnings...)
	for _, err := range errs {
		// The first real error, not the cancellations it caused.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(streams) == 1 {
		return checkpoints[0], nil
	}
	return nil, nil
}

// pump forwards one source stream to a new Write stream of the load and
// returns the last checkpoint the source sent. With a handoff id the
// plugin passes the payloads to the Write itself: pump only counts them,
// and checks that the sink staged every row the source handed over.
func (r *unitRun) pump(ctx context.Context, rs ReadStream, sink Sink, begin *catalog.BeginLoad, t *transformer, c *counters, handoff string) ([]byte, error) {
	e, u := r.e, r.u
	var ws WriteStream
	var err error
	if hw, ok := sink.(handoffWriter); ok && handoff != "" {
		ws, err = hw.WriteHandoff(ctx, begin, handoff)
	} else {
		handoff = ""
		ws, err = sink.Write(ctx, begin)
	}
	if err != nil {
		return nil, fmt.Errorf("open write to %s: %w", r.rep.Target, err)
	}
	var checkpoint []byte
	var handedOver int64
	for {
		msg, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_, _ = ws.CloseAndRecv()
			return nil, fmt.Errorf("read %s: %w", u.ID, err)
		}
		switch msg.Kind {
		case catalog.MessageBatch:
			rows, size := msg.Batch.Rows, batchBytes(msg.Batch)
			read, total := c.read.Add(rows), c.bytes.Add(size)
			if e.opts.Metrics != nil {
				e.opts.Metrics.AddRows(u.ID, rows, 0, 0, size)
			}
			if handoff != "" {
				if len(msg.Batch.Payload) > 0 || len(msg.Batch.ArrowIPC) > 0 {
					_, _ = ws.CloseAndRecv()
					return nil, fmt.Errorf("read %s: connector %s sent a batch's bytes on a read whose payloads it was to hand over in process; report it to the connector's author",
						u.ID, u.Source.Type)
				}
				handedOver += rows
				e.progress.Update(r.name(), read, total)
				e.hooks.fire(ctx, HookAfterBatch, u.ID)
				continue
			}
			out := &msg.Batch
			if t.active() {
				var quarantined int64
				out, quarantined, err = t.apply(ctx, msg.Batch)
				c.quarantined.Add(quarantined)
				if err != nil {
					_, _ = ws.CloseAndRecv()
					return nil, fmt.Errorf("unit %s: %w", u.ID, err)
				}
			}
			if out != nil {
				start := time.Now()
				if err := ws.Send(*out); err != nil {
					return nil, fmt.Errorf("write to %s: %w", r.rep.Target, err)
				}
				c.writeNanos.Add(int64(time.Since(start)))
			}
			e.progress.Update(r.name(), read, total)
			e.hooks.fire(ctx, HookAfterBatch, u.ID)
		case catalog.MessageCheckpoint:
			checkpoint = msg.Checkpoint
		case catalog.MessageProgress:
			// Rows and bytes are counted from the batches themselves.
		case catalog.MessageLog:
			e.logf("%s: %s", u.ID, msg.Log.Message)
			if msg.Log.Level >= catalog.LogWarn {
				c.warn(msg.Log.Message) // the report says what the source warned of
			}
		case catalog.MessageSchema:
			// Sent once, first; a second schema is ignored.
		}
	}
	start := time.Now()
	resp, err := ws.CloseAndRecv()
	c.writeNanos.Add(int64(time.Since(start)))
	if err != nil {
		return nil, fmt.Errorf("write to %s: %w", r.rep.Target, err)
	}
	if handoff != "" && resp.Rows != handedOver {
		return nil, fmt.Errorf("write to %s: the sink staged %d rows of the %d the source handed over in process; nothing is committed; "+
			"report it to the connector's author", r.rep.Target, resp.Rows, handedOver)
	}
	c.written.Add(resp.Rows)
	return checkpoint, nil
}

// firstSchema reads the stream's leading messages up to its schema and
// returns it with the row estimate the source sent before it, if any.
func firstSchema(rs ReadStream, unit string) (*catalog.Schema, int64, error) {
	var estimate int64
	for {
		msg, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("read %s: source ended without sending a schema", unit)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", unit, err)
		}
		switch msg.Kind {
		case catalog.MessageSchema:
			return msg.Schema, estimate, nil
		case catalog.MessageProgress:
			estimate = msg.Progress.RowsEstimate
		case catalog.MessageLog:
		default:
			return nil, 0, fmt.Errorf("read %s: source sent a %s before its schema", unit, msg.Kind)
		}
	}
}

// sameSchema reports how the schema a read sent differs from the one its
// source described for the plan (names and logical types, in order).
func sameSchema(planned, read *catalog.Schema) error {
	pf, rf := planned.GetFields(), read.GetFields()
	if len(pf) != len(rf) {
		return fmt.Errorf("planned %d columns, read %d", len(pf), len(rf))
	}
	for i := range pf {
		pn, rn := v1convert.TypeName(pf[i].GetType()), v1convert.TypeName(rf[i].GetType())
		if pf[i].GetName() != rf[i].GetName() || pn != rn {
			return fmt.Errorf("column %d: planned %s %s, read %s %s", i+1, pf[i].GetName(), pn, rf[i].GetName(), rn)
		}
	}
	return nil
}
