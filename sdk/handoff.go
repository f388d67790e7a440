package sdk

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// In-process payload handoff (protocol v1.4). When one plugin process is
// both a unit's source and its sink and the load takes a native payload,
// the host names a handoff id in the ReadRequest and in the Write's
// header: the Read's payloads go to that Write in memory, and the Read
// stream carries each batch's rows and size only. The connector sees no
// difference: ReadPayload writes to a PayloadWriter, WritePayload reads a
// PayloadReader, as on the host's path.
//
// Failure never passes for an end: a Read that fails or is cancelled
// makes the Write's Next fail, a Write that ends first makes the Read's
// WritePayload fail, and a Write whose stream the host closes before the
// Read finished fails ("the host ended the write").

// handoffDepth is how many payloads (about BatchBytes each) wait between
// the Read and the Write.
const handoffDepth = 4

// handoffs is a process's open handoffs by id. Whichever side arrives
// first creates the entry. A side that leaves after the other attached
// removes it; one that leaves first, alone, leaves it closed for the other
// to find (which then fails at once instead of waiting for a partner) and
// an orphan left that way goes after orphanTTL.
type handoffs struct {
	mu sync.Mutex
	m  map[string]*handoff
}

// orphanTTL is how long a handoff one side left before the other came is
// kept (the host opens both sides of a load within a few calls).
const orphanTTL = 10 * time.Minute

type handoffChunk struct {
	data []byte
	rows int64
}

type handoff struct {
	ch   chan handoffChunk // payloads in order; closed when the read ended
	free chan []byte       // buffers the write is done with
	// readErr is why the read ended early (nil: it sent every payload);
	// set before ch is closed.
	readErr error
	// drained is closed when the write took every payload or gave up
	// (writeErr says why when it did).
	drained  chan struct{}
	once     sync.Once
	writeErr error

	// Under handoffs.mu: which sides attached, and when the entry was
	// left by one side alone.
	read, write bool
	orphaned    time.Time
}

// get returns the handoff id, attaching the read or the write side.
func (hs *handoffs) get(id string, read bool) *handoff {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.m == nil {
		hs.m = map[string]*handoff{}
	}
	now := time.Now()
	for k, h := range hs.m {
		if !h.orphaned.IsZero() && now.Sub(h.orphaned) > orphanTTL {
			delete(hs.m, k)
		}
	}
	h, ok := hs.m[id]
	if !ok {
		h = &handoff{ch: make(chan handoffChunk, handoffDepth), free: make(chan []byte, handoffDepth+2), drained: make(chan struct{})}
		hs.m[id] = h
	}
	if read {
		h.read = true
	} else {
		h.write = true
	}
	return h
}

// leave detaches one side of h (read: the read side, which closed ch).
func (hs *handoffs) leave(id string, h *handoff, read bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.m[id] != h {
		return
	}
	if h.read && h.write {
		delete(hs.m, id)
		return
	}
	h.orphaned = time.Now()
	// An orphan keeps no buffers: a read left alone ended early (a
	// clean end waits for the write), so what it queued is never taken.
	for len(h.free) > 0 {
		<-h.free
	}
	for read {
		select {
		case _, ok := <-h.ch:
			read = ok
		default: // not closed: nothing to drop (the read always closes it first)
			read = false
		}
	}
}

// open returns how many handoffs the process holds.
func (hs *handoffs) open() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.m)
}

// stopWrite marks the write side done: taken every payload (err nil) or
// given up.
func (h *handoff) stopWrite(err error) {
	h.once.Do(func() {
		h.writeErr = err
		close(h.drained)
	})
}

// handoffWriter is the PayloadWriter of a Read that hands its payloads
// over: the bytes go to the handoff, the stream gets rows and size.
type handoffWriter struct {
	*streamWriter
	ctx context.Context
	id  string
	h   *handoff
}

func (w *handoffWriter) WritePayload(data []byte, rows int64) error {
	if err := w.nextPayload(); err != nil {
		return err
	}
	var buf []byte
	select {
	case buf = <-w.h.free:
	default:
	}
	// The caller may reuse data once this returns: the write gets a copy.
	buf = append(buf[:0], data...)
	select {
	case w.h.ch <- handoffChunk{data: buf, rows: rows}:
	case <-w.h.drained:
		return w.writeEnded()
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
	w.rows += rows
	return w.out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Batch{
		Batch: &connectorv1.Batch{Rows: rows, HandoffBytes: int64(len(data))}}})
}

func (w *handoffWriter) writeEnded() error {
	if w.h.writeErr != nil {
		// The read fails because the write did: it says so with the
		// write's code and retryability, so the host sees the same
		// failure whichever side's error reaches it first.
		e := Errorf(CodeOf(w.h.writeErr), "the write taking handoff %s failed: %w", w.id, w.h.writeErr)
		e.Retryable = IsRetryable(w.h.writeErr)
		return e
	}
	return Errorf(CodeInternal, "the write taking handoff %s ended before the read", w.id)
}

// end closes the read side: err nil after the last payload. A clean end
// waits until the write took every payload, so that the read's stream ends
// (and the host closes the write) only after the sink has the rows.
func (w *handoffWriter) end(err error) error {
	w.h.readErr = err
	close(w.h.ch)
	if err != nil {
		return err
	}
	select {
	case <-w.h.drained:
		if w.h.writeErr != nil {
			return w.writeEnded()
		}
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

// handoffReader is the PayloadReader of a Write that takes its payloads
// from a Read of this process.
type handoffReader struct {
	ctx     context.Context
	id      string
	h       *handoff
	ended   <-chan error // the Write stream's end: nil for EOF
	last    []byte
	bytes   int64
	batches int
	crashAt int
	done    bool
}

func (r *handoffReader) Next() ([]byte, int64, error) {
	if r.done {
		return nil, 0, io.EOF
	}
	if r.last != nil {
		select {
		case r.h.free <- r.last:
		default:
		}
		r.last = nil
	}
	select {
	case c, ok := <-r.h.ch:
		return r.take(c, ok)
	case err := <-r.ended:
		r.ended = nil // it reports once
		if err != nil {
			return nil, 0, err
		}
		// The host closes the stream after the read ended, when ch is
		// closed, though payloads may still wait in it. A stream closed
		// while the read goes on is the host giving up.
		select {
		case c, ok := <-r.h.ch:
			return r.take(c, ok)
		default:
			return nil, 0, Errorf(CodeInternal, "the host ended the write of handoff %s before the read finished", r.id)
		}
	case <-r.ctx.Done():
		return nil, 0, r.ctx.Err()
	}
}

func (r *handoffReader) received() int64 { return r.bytes }

// take returns a payload received from ch (ok false: ch is closed, the
// read ended).
func (r *handoffReader) take(c handoffChunk, ok bool) ([]byte, int64, error) {
	if !ok {
		if r.h.readErr != nil {
			return nil, 0, Errorf(CodeInternal, "the read handing over %s failed: %v", r.id, r.h.readErr)
		}
		r.done = true
		r.h.stopWrite(nil)
		return nil, 0, io.EOF
	}
	r.last = c.data
	r.bytes += int64(len(c.data))
	r.batches++
	crashAt(r.batches, r.crashAt)
	return c.data, c.rows, nil
}

// watchEnd reads a handoff Write's stream, which carries no batch: it
// reports nil when the host closes it (io.EOF), else the error.
func watchEnd(stream connectorv1.Connector_WriteServer) <-chan error {
	out := make(chan error, 1)
	go func() {
		for {
			msg, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				out <- nil
				return
			}
			if err != nil {
				out <- err
				return
			}
			if msg.GetBatch() != nil {
				out <- Errorf(CodeInternal, "write stream of an in-process handoff: the host sent a batch")
				return
			}
		}
	}()
	return out
}
