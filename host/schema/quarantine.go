package schema

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Columns the quarantine table adds after the source's columns.
const (
	QuarantineReasonCode = "_dpone_reason_code"
	QuarantineReason     = "_dpone_reason"
	QuarantineRunID      = "_dpone_run_id"
	QuarantineAt         = "_dpone_quarantined_at"
)

// QuarantineSuffix names the quarantine table: orders -> orders__quarantine,
// in the target's namespace.
const QuarantineSuffix = "__quarantine"

// QuarantineTable returns the quarantine table's name for a target table.
func QuarantineTable(table string) string { return table + QuarantineSuffix }

// Split returns the rows of rec that passed (good) and those that did not
// (bad), in their original order, using v from Check(rec). A side with no
// rows is nil. When every row passed, good is rec itself, retained. The
// caller releases both. The allocator comes from ctx
// (compute.WithAllocator), the default otherwise.
func Split(ctx context.Context, rec arrow.RecordBatch, v *Violations) (good, bad arrow.RecordBatch, err error) {
	if int64(v.Rows) != rec.NumRows() {
		return nil, nil, fmt.Errorf("split batch: %d rows, violations are for %d", rec.NumRows(), v.Rows)
	}
	if v.BadRows == 0 {
		if rec.NumRows() > 0 {
			rec.Retain()
			good = rec
		}
		return good, nil, nil
	}
	if v.BadRows == v.Rows {
		rec.Retain()
		return nil, rec, nil
	}
	mem := compute.GetAllocator(ctx)
	if good, err = filter(ctx, mem, rec, v.Bad, false); err != nil {
		return nil, nil, err
	}
	if bad, err = filter(ctx, mem, rec, v.Bad, true); err != nil {
		good.Release()
		return nil, nil, err
	}
	return good, bad, nil
}

// filter keeps the rows where bad[i] == want.
func filter(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, bad []bool, want bool) (arrow.RecordBatch, error) {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(len(bad))
	for _, x := range bad {
		b.UnsafeAppend(x == want)
	}
	mask := b.NewBooleanArray()
	defer mask.Release()
	out, err := compute.FilterRecordBatch(ctx, rec, mask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, fmt.Errorf("split batch: %w", err)
	}
	return out, nil
}

// QuarantineSchema is the quarantine table's schema for a source schema:
// the source's columns with their types and metadata, all nullable (a bad
// row may hold NULL where the contract forbids it), then
// _dpone_reason_code, _dpone_reason, _dpone_run_id (strings) and
// _dpone_quarantined_at (timestamp(6, tz)). A source column with one of
// those names is an error.
func QuarantineSchema(s *arrow.Schema) (*arrow.Schema, error) {
	fields := make([]arrow.Field, 0, s.NumFields()+4)
	for _, f := range s.Fields() {
		switch f.Name {
		case QuarantineReasonCode, QuarantineReason, QuarantineRunID, QuarantineAt:
			return nil, fmt.Errorf("quarantine schema: source column %q collides with a quarantine column", f.Name)
		}
		f.Nullable = true
		fields = append(fields, f)
	}
	fields = append(fields,
		arrow.Field{Name: QuarantineReasonCode, Type: arrow.BinaryTypes.String},
		arrow.Field{Name: QuarantineReason, Type: arrow.BinaryTypes.String},
		arrow.Field{Name: QuarantineRunID, Type: arrow.BinaryTypes.String},
		arrow.Field{Name: QuarantineAt, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	)
	md := s.Metadata()
	return arrow.NewSchema(fields, &md), nil
}

// Stamp identifies the run that quarantined rows.
type Stamp struct {
	RunID string
	At    time.Time
}

// Quarantine builds the batch to write to the quarantine table: the rows
// of bad (from Split of the same batch and v) with their original values,
// plus each row's first reason code and message from v, and the stamp.
// The result has QuarantineSchema(bad.Schema()); the caller releases it.
func Quarantine(mem memory.Allocator, bad arrow.RecordBatch, v *Violations, st Stamp) (arrow.RecordBatch, error) {
	if int64(v.BadRows) != bad.NumRows() {
		return nil, fmt.Errorf("quarantine batch: %d rows, violations list %d bad rows", bad.NumRows(), v.BadRows)
	}
	s, err := QuarantineSchema(bad.Schema())
	if err != nil {
		return nil, err
	}
	n := int(bad.NumRows())
	codes, reasons, runs := array.NewStringBuilder(mem), array.NewStringBuilder(mem), array.NewStringBuilder(mem)
	at := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	defer codes.Release()
	defer reasons.Release()
	defer runs.Release()
	defer at.Release()
	stamp, err := arrow.TimestampFromTime(st.At, arrow.Microsecond)
	if err != nil {
		return nil, fmt.Errorf("quarantine batch: %w", err)
	}
	for _, b := range []*array.StringBuilder{codes, reasons, runs} {
		b.Reserve(n)
	}
	at.Reserve(n)
	for k, i := range v.BadIndex {
		codes.Append(v.Codes[i].String())
		reasons.Append(v.Messages[k])
		runs.Append(st.RunID)
		at.UnsafeAppend(stamp)
	}
	extra := []arrow.Array{codes.NewArray(), reasons.NewArray(), runs.NewArray(), at.NewArray()}
	defer func() {
		for _, a := range extra {
			a.Release()
		}
	}()
	cols := append(append(make([]arrow.Array, 0, len(s.Fields())), bad.Columns()...), extra...)
	return array.NewRecordBatch(s, cols, int64(n)), nil
}
