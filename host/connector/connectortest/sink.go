package connectortest

import (
	"context"
	"errors"
	"io"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/run"
)

var eof = io.EOF

// BeginLoad creates a load's staging; a second BeginLoad of one load id,
// or a load into a target that neither exists nor was created, is a
// violation.
func (f *Fake) BeginLoad(_ context.Context, req *catalog.BeginLoad) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallBeginLoad); err != nil {
		return "", err
	}
	id := req.LoadID
	if id == "" {
		return "", f.violate("BeginLoad without a load id")
	}
	if l := f.loads[id]; l != nil && l.begun {
		return "", f.violate("BeginLoad %s twice", id)
	}
	if err := f.fence(CallBeginLoad, id, req, true); err != nil {
		return "", err
	}
	t := tableKey(req.Target)
	if !f.created[t] {
		return "", f.violate("BeginLoad %s into %s before its DDL created it", id, t)
	}
	if req.Writers < 1 {
		return "", f.violate("BeginLoad %s says %d Write streams: the host says how many it opens (protocol v1.5)", id, req.Writers)
	}
	f.loads[id] = &load{table: t, begun: true, replace: req.Mode == "full_refresh", writers: req.Writers}
	return "_stg_" + id, nil
}

// Write opens a write stream of a begun load.
func (f *Fake) Write(_ context.Context, h *catalog.BeginLoad) (run.WriteStream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallWrite); err != nil {
		return nil, err
	}
	l := f.loads[h.LoadID]
	switch {
	case l == nil || !l.begun:
		return nil, f.violate("Write to load %s before BeginLoad", h.LoadID)
	case l.committed || l.aborted:
		return nil, f.violate("Write to load %s after it ended", h.LoadID)
	case h.Writers != l.writers:
		return nil, f.violate("Write to load %s says %d Write streams, its BeginLoad %d", h.LoadID, h.Writers, l.writers)
	case l.writes == l.writers:
		return nil, f.violate("Write stream %d to load %s, which BeginLoad said has %d", l.writes+1, h.LoadID, l.writers)
	}
	l.writes++
	l.openWrite++
	return &writeStream{f: f, id: h.LoadID}, nil
}

type writeStream struct {
	f      *Fake
	id     string
	rows   []int64
	closed bool
}

// Send stages a batch's ids (kept until CloseAndRecv, as a COPY would).
func (w *writeStream) Send(b catalog.Batch) error {
	f := w.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallSend); err != nil {
		return err
	}
	if w.closed {
		return f.violate("Send on a closed write stream of load %s", w.id)
	}
	if format := f.loads[w.id].format; format != "" || len(b.Payload) > 0 {
		ids, ok := decodeIDs(b.Payload)
		if format == "" || len(b.ArrowIPC) > 0 || !ok {
			return f.violate("batch of load %s: %d payload and %d Arrow bytes, the load accepted payload format %q",
				w.id, len(b.Payload), len(b.ArrowIPC), format)
		}
		w.rows = append(w.rows, ids...)
		return nil
	}
	rec, err := v1convert.DecodeBatch(b.ArrowIPC)
	if err != nil {
		return &connector.Error{Plugin: "fake", Code: catalog.ErrorData, Message: err.Error()}
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
func (w *writeStream) CloseAndRecv() (catalog.WriteResult, error) {
	f := w.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.closed {
		return catalog.WriteResult{}, errors.New("write stream already closed")
	}
	w.closed = true
	l := f.loads[w.id]
	l.openWrite--
	if err := f.enter(CallCloseAndRecv); err != nil {
		return catalog.WriteResult{}, err
	}
	if l.committed || l.aborted {
		return catalog.WriteResult{}, f.violate("Write of load %s ended after the load did", w.id)
	}
	l.staged = append(l.staged, w.rows...)
	return catalog.WriteResult{Rows: int64(len(w.rows))}, nil
}

// CommitLoad publishes the staged rows and records the receipt. Commit
// with a write stream still open, or twice, is a violation.
func (f *Fake) CommitLoad(_ context.Context, req *catalog.BeginLoad, _ []byte) (catalog.CommitResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallCommitLoad); err != nil {
		return catalog.CommitResult{}, err
	}
	l := f.loads[req.LoadID]
	switch {
	case l == nil || !l.begun:
		return catalog.CommitResult{}, f.violate("CommitLoad %s before BeginLoad", req.LoadID)
	case l.committed:
		return catalog.CommitResult{}, f.violate("CommitLoad %s twice", req.LoadID)
	case l.aborted:
		return catalog.CommitResult{}, f.violate("CommitLoad %s after AbortLoad", req.LoadID)
	case l.openWrite > 0:
		return catalog.CommitResult{}, f.violate("CommitLoad %s with %d write streams open", req.LoadID, l.openWrite)
	}
	if err := f.fence(CallCommitLoad, req.LoadID, req, false); err != nil {
		return catalog.CommitResult{}, err
	}
	l.committed = true
	if l.replace {
		f.tables[l.table] = nil
	}
	f.tables[l.table] = append(f.tables[l.table], l.staged...)
	res := catalog.CommitResult{RowsInserted: int64(len(l.staged))}
	if err := f.enter(CallCommitLoadLost); err != nil {
		return catalog.CommitResult{}, err
	}
	return res, nil
}

// AbortLoad drops staging (idempotent). Aborting a committed load
// succeeds, as on a real sink whose staging the commit dropped, and is
// recorded as a violation: the host may then think the rows are not in the
// target.
func (f *Fake) AbortLoad(_ context.Context, req *catalog.BeginLoad) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallAbortLoad); err != nil {
		return err
	}
	l := f.loads[req.LoadID]
	if l == nil {
		return nil
	}
	if l.committed {
		_ = f.violate("AbortLoad %s after it committed", req.LoadID)
		return nil
	}
	l.aborted, l.staged = true, nil
	return nil
}

// LoadStatus answers from the receipts and raises the unit's fence to the
// asking run's lock generation.
func (f *Fake) LoadStatus(_ context.Context, req *catalog.BeginLoad) (catalog.LoadState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(CallLoadStatus); err != nil {
		return catalog.LoadStateUnspecified, err
	}
	if err := f.fence(CallLoadStatus, req.LoadID, req, true); err != nil {
		return catalog.LoadStateUnspecified, err
	}
	l := f.loads[req.LoadID]
	switch {
	case l == nil || l.aborted:
		return catalog.LoadStateUnknown, nil
	case l.committed:
		return catalog.LoadStateCommitted, nil
	}
	return catalog.LoadStateStaged, nil
}

// HandoffProcess is the fake's process: its reads and writes share it.
func (f *Fake) HandoffProcess() any { return f }

// WriteHandoff opens a write that takes the payloads the read naming
// handoff kept, when the host closes it (HandoffDrop loses the last one).
func (f *Fake) WriteHandoff(ctx context.Context, h *catalog.BeginLoad, handoff string) (run.WriteStream, error) {
	ws, err := f.Write(ctx, h)
	if err != nil {
		return nil, err
	}
	return &handoffStream{writeStream: ws.(*writeStream), handoff: handoff}, nil
}

type handoffStream struct {
	*writeStream
	handoff string
}

func (w *handoffStream) Send(catalog.Batch) error {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	return w.f.violate("Send on write stream of load %s, which takes its payloads from handoff %s", w.id, w.handoff)
}

func (w *handoffStream) CloseAndRecv() (catalog.WriteResult, error) {
	f := w.f
	f.mu.Lock()
	payloads := f.handed[w.handoff]
	delete(f.handed, w.handoff)
	if f.HandoffDrop && len(payloads) > 0 {
		payloads = payloads[:len(payloads)-1]
	}
	f.mu.Unlock()
	for _, p := range payloads {
		if err := w.writeStream.Send(catalog.Batch{Payload: p}); err != nil {
			return catalog.WriteResult{}, err
		}
	}
	return w.writeStream.CloseAndRecv()
}
