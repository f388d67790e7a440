package run

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/schema"
)

// ErrContract means a batch broke the unit's data contract under strict
// enforcement; nothing was committed.
var ErrContract = errors.New("data contract violated")

// transformer is the host step between source and sink. It is active only
// when a unit has a data contract or column renames from schema evolution;
// otherwise the source's Arrow bytes go to the sink untouched. It works on
// whole Arrow columns (schema.Checker is vectorised), never row by row.
type transformer struct {
	// mu serializes apply: checkers remember unique values across the
	// batches of every partition stream of the load.
	mu          sync.Mutex
	gates       *schema.Checker // not_null / unique quality gates on keys
	checker     *schema.Checker
	enforcement schema.Enforcement
	ev          *schema.Evolution // column renames (new_column routing)
	stamp       schema.Stamp
	quarantine  *quarantineLoad
	// drop are source columns named like the target's lineage columns:
	// the sink sets those (see SourceLineage).
	drop []string
}

func (t *transformer) active() bool {
	return t.gates != nil || t.checker != nil || (t.ev != nil && len(t.ev.Renames) > 0) || len(t.drop) > 0
}

// apply checks and reshapes one batch. It returns the batch to send to the
// sink (nil when every row went to quarantine) and how many rows were
// quarantined.
func (t *transformer) apply(ctx context.Context, b catalog.Batch) (*catalog.Batch, int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, err := v1convert.DecodeBatch(b.ArrowIPC)
	if err != nil {
		return nil, 0, err
	}
	if len(t.drop) > 0 {
		stripped := dropColumns(rec, t.drop)
		rec.Release()
		rec = stripped
	}
	defer rec.Release()
	out := rec
	out.Retain()
	defer func() {
		if out != nil {
			out.Release()
		}
	}()
	var quarantined int64
	if t.gates != nil {
		v, err := t.gates.Check(rec)
		if err != nil {
			return nil, 0, err
		}
		if !v.OK() {
			return nil, 0, fmt.Errorf("%w: %s; nothing was committed", ErrGate, v.Message(v.BadIndex[0]))
		}
	}
	if t.checker != nil {
		v, err := t.checker.Check(rec)
		if err != nil {
			return nil, 0, err
		}
		if !v.OK() {
			switch t.enforcement {
			case schema.EnforceStrict:
				return nil, 0, fmt.Errorf("%w: %s (%d bad rows in this batch; enforcement is strict: nothing is committed)",
					ErrContract, v.Message(v.BadIndex[0]), v.BadRows)
			case schema.EnforceQuarantine:
				good, bad, err := schema.Split(ctx, rec, v)
				if err != nil {
					return nil, 0, err
				}
				q, err := schema.Quarantine(memory.DefaultAllocator, bad, v, t.stamp)
				bad.Release()
				if err == nil {
					err = t.quarantine.write(q)
					q.Release()
				}
				if err != nil {
					good.Release()
					return nil, 0, fmt.Errorf("quarantine: %w", err)
				}
				quarantined = int64(v.BadRows)
				out.Release()
				out = good
				if out == nil {
					// Every row of the batch broke the contract.
					return nil, quarantined, nil
				}
			}
		}
	}
	if t.ev != nil && len(t.ev.Renames) > 0 {
		renamed := t.ev.RenameRecord(out)
		out.Release()
		out = renamed
	}
	if out.NumRows() == 0 {
		return nil, quarantined, nil
	}
	if out == rec && len(t.drop) == 0 {
		// Every row passed and no column changed: the source's bytes are
		// the batch (no encode; 0.34 of the host's 2.5 CPU-s of a 5M-row
		// pg→pg load under a contract went to re-encoding).
		return &b, quarantined, nil
	}
	enc, err := v1convert.EncodeBatch(out)
	if err != nil {
		return nil, 0, err
	}
	return &catalog.Batch{ArrowIPC: enc, Rows: out.NumRows()}, quarantined, nil
}

// report copies the checker's counts and warnings into the unit report.
func (t *transformer) report(rep *evidence.UnitReport) {
	if t.checker == nil {
		return
	}
	counts, _, _ := t.checker.Totals()
	rep.Violations = rep.Violations[:0]
	for _, c := range counts {
		rep.Violations = append(rep.Violations, evidence.Violation{Column: c.Column, Reason: c.Reason.String(), Rows: c.Rows})
	}
	rep.Warnings = append(rep.Warnings, t.checker.Warnings()...)
}

// arrowSchema decodes a protocol schema for the contract checker.
func arrowSchema(s *catalog.Schema) (*arrow.Schema, error) { return v1convert.ArrowSchema(s) }
