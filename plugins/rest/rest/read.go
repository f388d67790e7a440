package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/auth"
)

// reader is one Read of one resource: it samples the first records to fix
// the schema, then streams every record into byte-sized Arrow batches.
type reader struct {
	res       *Resource
	parentRes *Resource // the parent of a child resource
	c         *client
	out       sdk.RecordWriter
	project   []string

	cols   []column
	known  map[string]bool // record fields that are columns
	schema *arrow.Schema
	b      *sdk.BatchBuilder
	sample []*record
	warned map[string]bool
	rows   int64

	// Once the schema is fixed, records are decoded into slots.
	dec        rowDecoder
	colSlot    []int // the slot of each column
	curSlot    int   // the slot of the incremental column
	parentSlot []int // the slot of each parent field, -1 when unused

	// Incremental state.
	track    bool // the resource has an incremental_column: checkpoints carry its max
	send     bool // requests carry the cursor (an incremental read)
	full     bool // a full read: dpone keeps none of its checkpoints
	cur      *sdk.Cursor
	lookback *sdk.Scalar
	initial  *sdk.Scalar
	tieCap   int
	lagBound *time.Time // now - safety_lag (incremental reads with safety_lag)
	st       *state
	done     map[string]parentState // a child's parents finished this read
}

// emit takes one record: into the sample until the schema is fixed, then
// into the batch.
func (r *reader) emit(rec *record) error {
	if r.schema == nil {
		r.sample = append(r.sample, rec)
		if len(r.sample) < r.res.SampleRecords {
			return nil
		}
		return r.fix()
	}
	return r.appendRow(rec)
}

// fix fixes the schema from the sample, sends it and writes the sample.
func (r *reader) fix() error {
	cols, err := schemaOf(r.res, r.parentRes, r.sample)
	if err != nil {
		return err
	}
	r.cols = project(cols, r.project)
	r.known = map[string]bool{}
	for _, c := range cols {
		r.known[c.source] = true
	}
	r.schema = arrowSchema(r.cols, r.res.PrimaryKey)
	if err := r.out.Schema(r.schema); err != nil {
		return err
	}
	r.b = sdk.NewBatchBuilder(memory.DefaultAllocator, r.schema, r.out)
	r.slots()
	if r.res.Parent != nil && r.track {
		r.b.OnFlush(r.checkpoint)
	}
	sample := r.sample
	r.sample = nil
	for _, rec := range sample {
		if err := r.appendRow(rec); err != nil {
			return err
		}
	}
	return nil
}

// slots sets up the decoder of the fixed schema: a slot per column
// source, the cursor and the parent fields.
func (r *reader) slots() {
	r.dec = rowDecoder{flatten: r.res.Nested == nestedFlatten}
	r.colSlot = make([]int, len(r.cols))
	for i, c := range r.cols {
		r.colSlot[i] = r.dec.slot(c.source)
	}
	r.curSlot = -1
	if r.track {
		r.curSlot = r.dec.slot(r.res.cursor.IncrementalColumn)
	}
	r.parentSlot = nil
	if r.res.Parent != nil {
		for _, f := range r.res.Parent.Fields {
			s, ok := r.dec.slots[parentPrefix+f]
			if !ok {
				s = -1
			}
			r.parentSlot = append(r.parentSlot, s)
		}
	}
	if r.res.inferOn() {
		r.dec.unknown = r.unknownField
	}
}

// unknownField warns once about a record field that is not a column.
func (r *reader) unknownField(key []byte) error {
	if r.known[string(key)] || r.warned[string(key)] {
		return nil
	}
	k := string(key)
	r.warned[k] = true
	msg := fmt.Sprintf("resource %q: field %q is not in the schema (fixed from the first %d records): it is not loaded; declare it in columns or raise sample_records", r.res.Name, k, r.res.SampleRecords)
	return r.out.Log(sdk.LevelWarn, msg)
}

// takeFast decodes one raw record of the fixed schema straight into the
// batch.
func (r *reader) takeFast(raw []byte, parent *record, m *cursorMax) error {
	if err := r.dec.decode(raw); err != nil {
		return sdk.Errorf(sdk.CodeData, "resource %q: %v", r.res.Name, err)
	}
	for i, s := range r.parentSlot {
		if s >= 0 {
			r.dec.vals[s] = parent.get(r.res.Parent.Fields[i])
		}
	}
	if r.track {
		text := scalarText(r.dec.vals[r.curSlot])
		if ok, err := r.admit(text, m); err != nil || !ok {
			return err
		}
		if !m.take(text, raw) {
			return nil
		}
	}
	for i, c := range r.cols {
		if err := appendValue(c.typ, r.b.Field(i), r.dec.vals[r.colSlot[i]]); err != nil {
			return sdk.Errorf(sdk.CodeData, "resource %q: record %d: column %q: %v: declare the column's type in columns", r.res.Name, r.rows+1, c.name, err)
		}
	}
	r.rows++
	return r.b.RowDone()
}

// appendRow converts one record of the sample into the batch.
func (r *reader) appendRow(rec *record) error {
	for i, c := range r.cols {
		if err := appendValue(c.typ, r.b.Field(i), rec.get(c.source)); err != nil {
			return sdk.Errorf(sdk.CodeData, "resource %q: record %d: column %q: %v: declare the column's type in columns", r.res.Name, r.rows+1, c.name, err)
		}
	}
	for _, k := range rec.keys { // with infer: false, undeclared fields are dropped on purpose
		if r.res.inferOn() && !r.known[k] && !r.warned[k] {
			r.warned[k] = true
			msg := fmt.Sprintf("resource %q: field %q is not in the schema (fixed from the first %d records): it is not loaded; declare it in columns or raise sample_records", r.res.Name, k, r.res.SampleRecords)
			if err := r.out.Log(sdk.LevelWarn, msg); err != nil {
				return err
			}
		}
	}
	r.rows++
	return r.b.RowDone()
}

// finish flushes the last batch (fixing the schema first if the sample
// never filled) and sends the final checkpoint.
func (r *reader) finish() error {
	if r.schema == nil {
		if err := r.fix(); err != nil {
			return err
		}
	}
	if err := r.b.Flush(); err != nil {
		return err
	}
	if err := r.out.Progress(r.rows, r.rows); err != nil {
		return err
	}
	if r.full && r.c.auth.Rotated() != "" {
		_ = r.out.Log(sdk.LevelWarn, fmt.Sprintf("resource %q: the OAuth2 server rotated the refresh token during a full read, and dpone keeps no state for full reads: "+
			"the next run starts from the configured refresh_token, which the server may have spent; read the resource incrementally "+
			"(source.options incremental_strategy: column) or use a refresh token that does not rotate", r.res.Name))
	}
	if r.track || r.sealRotated() {
		return r.checkpoint()
	}
	return nil
}

// sealRotated seals a rotated refresh token into the state, reporting
// whether the state changed.
func (r *reader) sealRotated() bool {
	tok := r.c.auth.Rotated()
	if tok == "" {
		return false
	}
	sealed, err := auth.Seal(r.c.cfg.Auth.ClientSecret, tok)
	if err != nil {
		_ = r.out.Log(sdk.LevelWarn, fmt.Sprintf("resource %q: the OAuth2 server rotated the refresh token, but it is not kept (%v): the next run starts from the configured refresh_token", r.res.Name, err))
		return false
	}
	r.st.OAuth = sealed
	return true
}

// checkpoint sends the state after the records written so far.
func (r *reader) checkpoint() error {
	r.sealRotated()
	st := *r.st
	if r.done != nil {
		st.Parents = map[string]parentState{}
		for k, v := range r.st.Parents {
			st.Parents[k] = v
		}
		for k, v := range r.done {
			st.Parents[k] = v
		}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return r.out.Checkpoint(b)
}

// record parses a raw record of res, adding the parent's fields.
func (r *reader) record(raw []byte, parent *record) (*record, error) {
	rec, err := parseRecord(raw, r.res.Nested == nestedFlatten)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeData, "resource %q: %v", r.res.Name, err)
	}
	if parent != nil {
		for _, f := range r.res.Parent.Fields {
			k := parentPrefix + f
			rec.keys = append(rec.keys, k)
			rec.vals[k] = parent.get(f)
		}
	}
	return rec, nil
}

// readFlat reads a resource without parent.
func (r *reader) readFlat(ctx context.Context) error {
	from, err := r.from(r.st.Cursor)
	if err != nil {
		return err
	}
	m := r.tracker(r.st.Cursor, r.st.Seen)
	m.from = from
	err = r.c.fetch(ctx, r.res, vars{cursor: from}, pageHooks{record: func(raw []byte) error {
		return r.take(raw, nil, m)
	}})
	if err != nil {
		return err
	}
	if r.track {
		r.st.Cursor, r.st.Seen = m.result(r.st.Cursor, r.st.Seen)
	}
	return nil
}

// tracker tracks the cursor of one pagination that resumes from prior.
// Only an incremental read drops the prior tie group: a full read is the
// whole stream.
func (r *reader) tracker(prior *string, seen []string) *cursorMax {
	if !r.send {
		return newCursorMax(nil, nil, r.tieCap)
	}
	return newCursorMax(prior, seen, r.tieCap)
}

// take parses one raw record (valid during the call only), tracks its
// cursor and emits it unless the prior read took it.
func (r *reader) take(raw []byte, parent *record, m *cursorMax) error {
	if r.schema != nil {
		return r.takeFast(raw, parent, m)
	}
	rec, err := r.record(bytes.Clone(raw), parent)
	if err != nil {
		return err
	}
	if r.track {
		text := scalarText(rec.get(r.res.cursor.IncrementalColumn))
		if ok, err := r.admit(text, m); err != nil || !ok {
			return err
		}
		if !m.take(text, raw) {
			return nil
		}
	}
	return r.emit(rec)
}

// from is the cursor an incremental request sends, "" for none.
func (r *reader) from(prior *string) (string, error) {
	if !r.send {
		return "", nil
	}
	return startFrom(prior, r.lookback, r.initial)
}

// readChildren reads a child resource: the parent's pages, and for each
// parent record the child's own pagination and cursor.
func (r *reader) readChildren(ctx context.Context, parentRes *Resource) error {
	r.done = map[string]parentState{}
	r.parentRes = parentRes
	var pending []*record
	pv, pm, err := r.parentCursor(parentRes)
	if err != nil {
		return err
	}
	err = r.c.fetch(ctx, parentRes, pv, pageHooks{
		record: func(raw []byte) error {
			p, err := parseRecord(bytes.Clone(raw), parentRes.Nested == nestedFlatten)
			if err != nil {
				return sdk.Errorf(sdk.CodeData, "resource %q: %v", parentRes.Name, err)
			}
			if pm != nil {
				text := scalarText(p.get(r.parentCursorField()))
				if text != "" && pm.from != "" && cursorLess(text, pm.from) {
					return nil // before the cursor sent: the API ignored it
				}
				pm.take(text, raw)
			}
			pending = append(pending, p)
			return nil
		},
		pageEnd: func() error {
			page := pending
			pending = nil
			for _, p := range page {
				if err := r.readChild(ctx, parentRes, p); err != nil {
					return err
				}
			}
			return nil
		},
	})
	if err != nil || pm == nil {
		return err
	}
	r.st.ParentCursor, _ = pm.result(r.st.ParentCursor, nil)
	return nil
}

// parentCursorField is the parent's cursor field with parent.incremental.
func (r *reader) parentCursorField() string {
	if f := r.res.Parent.CursorField; f != "" {
		return f
	}
	return r.res.cursor.IncrementalColumn
}

// parentCursor is the parent pagination's template vars, and with
// parent.incremental the tracker of the parents' cursor (nil without).
func (r *reader) parentCursor(parentRes *Resource) (vars, *cursorMax, error) {
	if !r.res.Parent.Incremental {
		return vars{}, nil, nil
	}
	if !r.track {
		return vars{}, nil, sdk.Errorf(sdk.CodeConfig, "resource %q: parent.incremental needs source.options incremental_column", r.res.Name)
	}
	if inc := parentRes.Incremental; inc == nil || (inc.Param == "" && inc.BodyField == "") {
		return vars{}, nil, sdk.Errorf(sdk.CodeConfig, "resource %q: parent.incremental: the parent resource %q takes no cursor: give it incremental.param or incremental.body_field", r.res.Name, parentRes.Name)
	}
	pm := newCursorMax(nil, nil, 0)
	if !r.send {
		return vars{}, pm, nil // a full read asks for every parent, and records where they end
	}
	from, err := startFrom(r.st.ParentCursor, r.lookback, nil)
	if err != nil {
		return vars{}, nil, err
	}
	pm.from = from
	return vars{cursor: from}, pm, nil
}

// readChild reads the child records of one parent record.
func (r *reader) readChild(ctx context.Context, parentRes *Resource, p *record) error {
	key := parentKey(p, parentRes.PrimaryKey)
	var (
		prior *string
		seen  []string
	)
	ps, ok := r.done[key]
	if !ok {
		ps, ok = r.st.Parents[key]
	}
	if ok {
		prior, seen = &ps.Cursor, ps.Seen
	}
	from, err := r.from(prior)
	if err != nil {
		return err
	}
	m := r.tracker(prior, seen)
	m.from = from
	err = r.c.fetch(ctx, r.res, vars{cursor: from, parent: p}, pageHooks{record: func(raw []byte) error {
		return r.take(raw, p, m)
	}})
	if err != nil {
		return err
	}
	if r.track {
		if c, s := m.result(prior, seen); c != nil {
			r.done[key] = parentState{Cursor: *c, Seen: s}
		}
	}
	return nil
}

// parentKey identifies a parent record: its primary key values, or a
// digest of the whole record when the parent declares none.
func parentKey(p *record, pk []string) string {
	if len(pk) == 0 {
		h := sha256.New()
		for _, k := range p.keys {
			h.Write([]byte(k))
			h.Write(p.vals[k])
		}
		return hex.EncodeToString(h.Sum(nil))[:32]
	}
	parts := make([]string, len(pk))
	for i, k := range pk {
		parts[i] = scalarText(p.get(k))
	}
	return strings.Join(parts, "\x1f")
}
