package sdk

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cursorCheckpointEvery is how many batches pass between the checkpoints a
// CursorWriter sends along the way.
const cursorCheckpointEvery = 16

// CursorWriter is the RecordWriter a Source writes a column-strategy read
// through. Records must come ordered by the cursor (NULLs first). It drops
// the rows the prior checkpoint recorded at its cursor value, tracks the
// tie group at the largest cursor value, and sends checkpoints.
type CursorWriter struct {
	RecordWriter
	c   *Cursor
	idx int
	// Format renders a cursor value as text the source parses back into
	// its cursor type (default CursorText).
	Format func(arrow.Array, int) (string, error)

	// Dropping rows of the prior tie group.
	seen      map[string]int // prior fingerprints still to drop
	filtering bool
	inPrior   bool
	dropped   int

	// The tie group at the largest cursor value read so far.
	group      *string
	groupSeen  []string
	groupCount int

	batches int
	rows    int64
}

// Writer wraps out; cursorIndex is the cursor column's index in every
// record.
func (c *Cursor) Writer(out RecordWriter, cursorIndex int) *CursorWriter {
	w := &CursorWriter{RecordWriter: out, c: c, idx: cursorIndex, Format: CursorText}
	if p := c.prior; p != nil && p.Cursor != nil && len(p.Seen) > 0 {
		w.seen = make(map[string]int, len(p.Seen))
		for _, s := range p.Seen {
			w.seen[s]++
		}
		w.filtering = true
	}
	return w
}

// Write drops the rows already read at the prior cursor value, records
// the tie group and passes the rest on.
func (w *CursorWriter) Write(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	col := rec.Column(w.idx)
	var drop []bool
	if w.filtering {
		var err error
		if drop, err = w.filter(rec, col); err != nil {
			return err
		}
	}
	if err := w.track(rec, col); err != nil {
		return err
	}
	out := rec
	if drop != nil {
		var err error
		if out, err = keepRows(rec, drop); err != nil {
			return err
		}
		defer out.Release()
	}
	if out.NumRows() > 0 {
		if err := w.RecordWriter.Write(out); err != nil {
			return err
		}
	}
	w.rows += out.NumRows()
	w.batches++
	if w.batches%cursorCheckpointEvery == 0 {
		return w.checkpoint()
	}
	return nil
}

// filter marks the rows of rec to drop: at the prior cursor value, with a
// fingerprint the prior checkpoint holds (each entry drops one row). Rows
// come in cursor order, so filtering ends at the first row past that
// value (without lookback, the first row not at it).
func (w *CursorWriter) filter(rec arrow.RecordBatch, col arrow.Array) ([]bool, error) {
	var drop []bool
	at := *w.c.prior.Cursor
	for i := 0; i < int(rec.NumRows()) && w.filtering; i++ {
		if col.IsNull(i) {
			continue
		}
		s, err := w.Format(col, i)
		if err != nil {
			return nil, err
		}
		if s != at {
			if w.inPrior || w.c.Lookback == nil {
				w.filtering = false
			}
			continue
		}
		w.inPrior = true
		fp := RowFingerprint(rec, i)
		if w.seen[fp] > 0 {
			w.seen[fp]--
			if drop == nil {
				drop = make([]bool, rec.NumRows())
			}
			drop[i] = true
			w.dropped++
		}
	}
	return drop, nil
}

// track records the rows of rec at its largest cursor value: the group
// continues across batches while whole batches share one value.
func (w *CursorWriter) track(rec arrow.RecordBatch, col arrow.Array) error {
	last := int(rec.NumRows()) - 1
	for last >= 0 && col.IsNull(last) {
		last--
	}
	if last < 0 {
		return nil
	}
	top, err := w.Format(col, last)
	if err != nil {
		return err
	}
	j := last
	var fps []string
	for ; j >= 0 && !col.IsNull(j); j-- {
		if j != last {
			s, err := w.Format(col, j)
			if err != nil {
				return err
			}
			if s != top {
				break
			}
		}
		if len(fps) <= w.c.TieCap { // at most cap+1 per batch: memory stays bounded
			fps = append(fps, RowFingerprint(rec, j))
		}
	}
	count := last - j
	if j < 0 && w.group != nil && *w.group == top {
		w.groupCount += count
	} else {
		w.group = &top
		w.groupSeen = w.groupSeen[:0]
		w.groupCount = count
	}
	if w.groupCount > w.c.TieCap {
		w.groupSeen = w.groupSeen[:0] // past the cap: not remembered
	} else {
		w.groupSeen = append(w.groupSeen, fps...)
	}
	return nil
}

// state is the checkpoint after the records written so far.
func (w *CursorWriter) state() CursorState {
	st := CursorState{V: CursorStateVersion, Strategy: "column"}
	switch {
	case w.group != nil:
		st.Cursor = w.group
		if w.groupCount > w.c.TieCap {
			st.Overflow = w.groupCount
		} else {
			st.Seen = w.groupSeen
		}
	case w.c.prior != nil:
		// Nothing read at or past the prior value: keep it. Every row at
		// it was selected by this read, so none is left to remember.
		st.Cursor = w.c.prior.Cursor
	}
	return st
}

func (w *CursorWriter) checkpoint() error {
	b, err := json.Marshal(w.state())
	if err != nil {
		return err
	}
	return w.RecordWriter.Checkpoint(b)
}

// Finish sends the checkpoint after the last record, and the WARN logs of
// this read: a version 1 checkpoint migrated, a tie group read again or
// too large to remember.
func (w *CursorWriter) Finish() error {
	c := w.c
	if c.legacy && c.prior.Cursor != nil {
		if err := w.Log(LevelWarn, c.migrationNote()); err != nil {
			return err
		}
	}
	if p := c.prior; p != nil && p.Overflow > 0 {
		msg := fmt.Sprintf("cursor: %d rows shared %s = %s, more than tie_cap %d: this read took them again (incremental_merge absorbs them; incremental_append loads them twice): raise tie_cap",
			p.Overflow, c.Column, deref(p.Cursor), c.TieCap)
		if err := w.Log(LevelWarn, msg); err != nil {
			return err
		}
	}
	if w.group != nil && w.groupCount > c.TieCap {
		msg := fmt.Sprintf("cursor: %d rows share %s = %s, more than tie_cap %d: the next read takes them again (incremental_merge absorbs them; incremental_append loads them twice): raise tie_cap",
			w.groupCount, c.Column, *w.group, c.TieCap)
		if err := w.Log(LevelWarn, msg); err != nil {
			return err
		}
	}
	return w.checkpoint()
}

// Rows is how many rows were passed on (after dropping).
func (w *CursorWriter) Rows() int64 { return w.rows }

// Dropped is how many rows were dropped as already read.
func (w *CursorWriter) Dropped() int { return w.dropped }

// keepRows returns the rows of rec not marked in drop.
func keepRows(rec arrow.RecordBatch, drop []bool) (arrow.RecordBatch, error) {
	var parts []arrow.RecordBatch
	start := -1
	for i := 0; i <= len(drop); i++ {
		if i < len(drop) && !drop[i] {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			parts = append(parts, rec.NewSlice(int64(start), int64(i)))
			start = -1
		}
	}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	cols := make([]arrow.Array, rec.NumCols())
	var rows int64
	for _, p := range parts {
		rows += p.NumRows()
	}
	for j := range cols {
		chunks := make([]arrow.Array, len(parts))
		for k, p := range parts {
			chunks[k] = p.Column(j)
		}
		if len(chunks) == 0 {
			cols[j] = array.MakeArrayOfNull(memory.DefaultAllocator, rec.Schema().Field(j).Type, 0)
			continue
		}
		a, err := array.Concatenate(chunks, memory.DefaultAllocator)
		if err != nil {
			for _, c := range cols[:j] {
				c.Release()
			}
			return nil, fmt.Errorf("drop rows already read: %w", err)
		}
		cols[j] = a
	}
	out := array.NewRecordBatch(rec.Schema(), cols, rows)
	for _, a := range cols {
		a.Release()
	}
	return out, nil
}
