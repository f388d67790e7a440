package run

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
	"github.com/dpone-go/dpone/proto/loadopts"
)

// quarantineLoad is the second load of a unit under quarantine
// enforcement: bad rows, with their reason, appended to
// <table>__quarantine in the same sink. It starts on the first bad row and
// commits just before the unit's own load; it is recorded in the state
// store like any load, so a crash leaves nothing behind.
type quarantineLoad struct {
	// ctx is the unit's load context: the quarantine stream outlives the
	// per-partition contexts of the batches that feed it.
	ctx    context.Context
	r      *unitRun
	sink   Sink
	cat    plan.Catalog
	plan   *plan.Quarantine
	sinkTy string
	spec   *catalog.Spec // the sink's: typed options or v1.0 JSON
	cfg    []byte
	table  *catalog.TableRef
	begin  *catalog.BeginLoad
	ws     WriteStream
	rows   int64
}

func (q *quarantineLoad) write(rec arrow.RecordBatch) error {
	if q.ws == nil {
		if err := q.start(q.ctx, rec.Schema()); err != nil {
			return err
		}
	}
	b, err := v1convert.EncodeBatch(rec)
	if err != nil {
		return err
	}
	q.rows += rec.NumRows()
	return q.ws.Send(catalog.Batch{ArrowIPC: b, Rows: rec.NumRows()})
}

func (q *quarantineLoad) start(ctx context.Context, s *arrow.Schema) error {
	sm, err := v1convert.SchemaFromArrow(s)
	if err != nil {
		return err
	}
	// The plan's quarantine DDL (create, or evolve additively).
	ddl, _, err := plan.ApplyChanges(ctx, q.cat, &catalog.SchemaRequest{ConfigJSON: q.cfg, Table: q.table, Changes: q.plan.Changes})
	if err != nil {
		return err
	}
	q.r.rep.DDL = append(q.r.rep.DDL, ddl...)
	loadID := q.r.rep.LoadID + "_q"
	q.begin = &catalog.BeginLoad{ConfigJSON: q.cfg, LoadID: loadID, Target: q.table, Schema: sm, Writers: 1}
	// Quarantined rows carry their run id in their own columns: no lineage.
	if err := v1convert.ApplyLoad(loadopts.Load{Mode: "incremental_append"}, q.begin, q.spec.Capabilities.TypedOptions); err != nil {
		return err
	}
	q.r.fence(q.begin)
	rec, err := loadRecord(q.sinkTy, q.r.u.Sink.ConnectionID, q.begin)
	if err != nil {
		return err
	}
	stream := state.StreamKey{Manifest: q.r.stream.Manifest, Unit: q.r.stream.Unit + schema.QuarantineSuffix}
	if err := q.r.e.store.RecordPending(ctx, state.Load{ID: loadID, RunID: q.r.e.runID, Stream: stream,
		Target: q.table.GetNamespace() + "." + q.table.GetName(), Mode: q.begin.Mode, Begin: rec}); err != nil {
		return fmt.Errorf("record quarantine load: %w", err)
	}
	if _, err := q.sink.BeginLoad(ctx, q.begin); err != nil {
		return fmt.Errorf("begin quarantine load into %s: %w", q.table.GetName(), err)
	}
	ws, err := q.sink.Write(ctx, q.begin)
	if err != nil {
		return fmt.Errorf("open quarantine write: %w", err)
	}
	q.ws = ws
	return nil
}

// commit publishes the quarantined rows (no-op when there were none).
func (q *quarantineLoad) commit(ctx context.Context) error {
	if q.ws == nil {
		return nil
	}
	resp, err := q.ws.CloseAndRecv()
	q.ws = nil
	if err != nil {
		return fmt.Errorf("write quarantine: %w", err)
	}
	if resp.Rows != q.rows {
		return fmt.Errorf("%w: quarantine staged %d rows, sent %d", ErrGate, resp.Rows, q.rows)
	}
	receipt := []byte(fmt.Sprintf(`{"run_id":%q,"unit":%q,"quarantine":true}`, q.r.e.runID, q.r.u.ID))
	if _, err := q.sink.CommitLoad(ctx, q.begin, receipt); err != nil {
		return fmt.Errorf("commit quarantine: %w", err)
	}
	return q.r.e.store.MarkCommitted(context.WithoutCancel(ctx), q.begin.LoadID)
}

// abort drops the quarantine staging after a failure of the unit.
func (q *quarantineLoad) abort(ctx context.Context, cause error) {
	if q.begin == nil {
		return
	}
	if q.ws != nil {
		_, _ = q.ws.CloseAndRecv()
		q.ws = nil
	}
	sink, _, err := q.r.e.conns.Sink(ctx, q.sinkTy)
	if err == nil {
		err = sink.AbortLoad(ctx, q.begin)
	}
	if err == nil {
		err = q.r.e.store.MarkAborted(ctx, q.begin.LoadID, cause.Error())
	}
	if err != nil {
		q.r.e.logf("%s: abort quarantine load: %v (the next run cleans it up)", q.r.u.ID, err)
	}
}
