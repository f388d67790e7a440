package connectortest

import (
	"context"
	"errors"
	"io"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/run"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

var eof = io.EOF

// BeginLoad creates a load's staging; a second BeginLoad of one load id,
// or a load into a target that neither exists nor was created, is a
// violation.
func (f *Fake) BeginLoad(_ context.Context, req *connectorv1.BeginLoadRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallBeginLoad); err != nil {
		return "", err
	}
	id := req.GetLoadId()
	if id == "" {
		return "", f.violate("BeginLoad without a load id")
	}
	if l := f.loads[id]; l != nil && l.begun {
		return "", f.violate("BeginLoad %s twice", id)
	}
	if err := f.fence(CallBeginLoad, id, req, true); err != nil {
		return "", err
	}
	t := tableKey(req.GetTarget())
	if !f.created[t] {
		return "", f.violate("BeginLoad %s into %s before its DDL created it", id, t)
	}
	f.loads[id] = &load{table: t, begun: true, replace: req.GetMode() == "full_refresh"}
	return "_stg_" + id, nil
}

// Write opens a write stream of a begun load.
func (f *Fake) Write(_ context.Context, h *connectorv1.WriteHeader) (run.WriteStream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallWrite); err != nil {
		return nil, err
	}
	l := f.loads[h.GetLoadId()]
	switch {
	case l == nil || !l.begun:
		return nil, f.violate("Write to load %s before BeginLoad", h.GetLoadId())
	case l.committed || l.aborted:
		return nil, f.violate("Write to load %s after it ended", h.GetLoadId())
	}
	l.openWrite++
	return &writeStream{f: f, id: h.GetLoadId()}, nil
}

type writeStream struct {
	f      *Fake
	id     string
	rows   []int64
	closed bool
}

// Send stages a batch's ids (kept until CloseAndRecv, as a COPY would).
func (w *writeStream) Send(b *connectorv1.Batch) error {
	f := w.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallSend); err != nil {
		return err
	}
	if w.closed {
		return f.violate("Send on a closed write stream of load %s", w.id)
	}
	if format := f.loads[w.id].format; format != "" || len(b.GetPayload()) > 0 {
		ids, ok := decodeIDs(b.GetPayload())
		if format == "" || len(b.GetArrowIpc()) > 0 || !ok {
			return f.violate("batch of load %s: %d payload and %d Arrow bytes, the load accepted payload format %q",
				w.id, len(b.GetPayload()), len(b.GetArrowIpc()), format)
		}
		w.rows = append(w.rows, ids...)
		return nil
	}
	rec, err := logical.DecodeBatch(b.GetArrowIpc(), nil)
	if err != nil {
		return &connector.Error{Plugin: "fake", Code: connectorv1.ErrorCode_ERROR_CODE_DATA, Message: err.Error()}
	}
	defer rec.Release()
	ids, ok := rec.Column(0).(interface{ Int64Values() []int64 })
	if !ok {
		return f.violate("batch of load %s is not the source's int64 ids", w.id)
	}
	w.rows = append(w.rows, ids.Int64Values()...)
	return nil
}

// CloseAndRecv ends the stream: its rows are staged.
func (w *writeStream) CloseAndRecv() (*connectorv1.WriteResponse, error) {
	f := w.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.closed {
		return nil, errors.New("write stream already closed")
	}
	w.closed = true
	l := f.loads[w.id]
	l.openWrite--
	if err := f.enter(CallCloseAndRecv); err != nil {
		return nil, err
	}
	if l.committed || l.aborted {
		return nil, f.violate("Write of load %s ended after the load did", w.id)
	}
	l.staged = append(l.staged, w.rows...)
	return &connectorv1.WriteResponse{Rows: int64(len(w.rows))}, nil
}

// CommitLoad publishes the staged rows and records the receipt. Commit
// with a write stream still open, or twice, is a violation.
func (f *Fake) CommitLoad(_ context.Context, req *connectorv1.CommitLoadRequest) (*connectorv1.CommitLoadResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallCommitLoad); err != nil {
		return nil, err
	}
	l := f.loads[req.GetLoadId()]
	switch {
	case l == nil || !l.begun:
		return nil, f.violate("CommitLoad %s before BeginLoad", req.GetLoadId())
	case l.committed:
		return nil, f.violate("CommitLoad %s twice", req.GetLoadId())
	case l.aborted:
		return nil, f.violate("CommitLoad %s after AbortLoad", req.GetLoadId())
	case l.openWrite > 0:
		return nil, f.violate("CommitLoad %s with %d write streams open", req.GetLoadId(), l.openWrite)
	}
	if err := f.fence(CallCommitLoad, req.GetLoadId(), req.GetBegin(), false); err != nil {
		return nil, err
	}
	l.committed = true
	if l.replace {
		f.tables[l.table] = nil
	}
	f.tables[l.table] = append(f.tables[l.table], l.staged...)
	res := &connectorv1.CommitLoadResponse{RowsInserted: int64(len(l.staged))}
	if err := f.enter(CallCommitLoadLost); err != nil {
		return nil, err
	}
	return res, nil
}

// AbortLoad drops staging (idempotent). Aborting a committed load
// succeeds, as on a real sink whose staging the commit dropped, and is
// recorded as a violation: the host may then think the rows are not in the
// target.
func (f *Fake) AbortLoad(_ context.Context, req *connectorv1.AbortLoadRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallAbortLoad); err != nil {
		return err
	}
	l := f.loads[req.GetLoadId()]
	if l == nil {
		return nil
	}
	if l.committed {
		_ = f.violate("AbortLoad %s after it committed", req.GetLoadId())
		return nil
	}
	l.aborted, l.staged = true, nil
	return nil
}

// LoadStatus answers from the receipts and raises the unit's fence to the
// asking run's lock generation.
func (f *Fake) LoadStatus(_ context.Context, req *connectorv1.LoadStatusRequest) (connectorv1.LoadState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallLoadStatus); err != nil {
		return connectorv1.LoadState_LOAD_STATE_UNSPECIFIED, err
	}
	if err := f.fence(CallLoadStatus, req.GetLoadId(), req.GetBegin(), true); err != nil {
		return connectorv1.LoadState_LOAD_STATE_UNSPECIFIED, err
	}
	l := f.loads[req.GetLoadId()]
	switch {
	case l == nil || l.aborted:
		return connectorv1.LoadState_LOAD_STATE_UNKNOWN, nil
	case l.committed:
		return connectorv1.LoadState_LOAD_STATE_COMMITTED, nil
	}
	return connectorv1.LoadState_LOAD_STATE_STAGED, nil
}
