package duckdb

import (
	"errors"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// stageChunkBytes is about how many bytes of Arrow records one staging
// INSERT takes. Write gathers the host's batches into chunks of this size
// and inserts each from memory while the next one arrives: an INSERT that
// scans the host's stream directly blocks DuckDB's scan task on every
// batch still in flight, and DuckDB's executing thread busy-waits for it
// (a whole core spinning for the length of the load). Two chunks are held
// at most: the one being inserted and the one being gathered.
const stageChunkBytes = 8 << 20

// chunk is records gathered from a RecordReader, each retained.
type chunk struct {
	recs  []arrow.RecordBatch
	bytes int
}

func (c *chunk) release() {
	for _, r := range c.recs {
		r.Release()
	}
	c.recs = nil
}

// chunker reads a RecordReader on its own goroutine into chunks of about
// size bytes, handed over one at a time on C. C is closed at the end of the
// input or on a read error (Err then returns it).
type chunker struct {
	C    <-chan *chunk
	err  error
	done chan struct{} // closed when the goroutine has returned
	stop chan struct{} // closed by Close: the consumer wants no more
}

// newChunker starts reading in.
func newChunker(in sdk.RecordReader, size int) *chunker {
	c := make(chan *chunk)
	k := &chunker{C: c, done: make(chan struct{}), stop: make(chan struct{})}
	go k.run(in, size, c)
	return k
}

func (k *chunker) run(in sdk.RecordReader, size int, out chan<- *chunk) {
	defer close(k.done)
	defer close(out)
	cur := &chunk{}
	send := func() bool {
		select {
		case out <- cur:
			cur = &chunk{}
			return true
		case <-k.stop:
			cur.release()
			return false
		}
	}
	for {
		select {
		case <-k.stop:
			cur.release()
			return
		default:
		}
		rec, err := in.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				k.err = err
				cur.release()
				return
			}
			if len(cur.recs) > 0 {
				send()
			}
			return
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		cur.recs = append(cur.recs, rec)
		cur.bytes += recordBytes(rec)
		if cur.bytes >= size && !send() {
			return
		}
	}
}

// Err is the read error that ended the input early, if any; valid once C
// is closed.
func (k *chunker) Err() error { return k.err }

// Close stops the reader and waits for its goroutine (which may be waiting
// for the host's next batch), releasing every chunk not handed over. The
// RecordReader is not touched after Close returns.
func (k *chunker) Close() {
	close(k.stop)
	for c := range k.C {
		c.release()
	}
	<-k.done
}

// recordBytes is the size of rec's buffers.
func recordBytes(rec arrow.RecordBatch) int {
	n := 0
	for _, col := range rec.Columns() {
		n += arrayBytes(col.Data())
	}
	return n
}

func arrayBytes(d arrow.ArrayData) int {
	n := 0
	for _, b := range d.Buffers() {
		if b != nil {
			n += b.Len()
		}
	}
	for _, c := range d.Children() {
		n += arrayBytes(c)
	}
	return n
}

// chunkReader is an array.RecordReader over the records of one chunk.
type chunkReader struct {
	schema *arrow.Schema
	recs   []arrow.RecordBatch
	i      int
	refs   int64
}

func (r *chunkReader) Retain()               { atomic.AddInt64(&r.refs, 1) }
func (r *chunkReader) Release()              { atomic.AddInt64(&r.refs, -1) }
func (r *chunkReader) Schema() *arrow.Schema { return r.schema }
func (r *chunkReader) Err() error            { return nil }

func (r *chunkReader) RecordBatch() arrow.RecordBatch {
	if r.i == 0 || r.i > len(r.recs) {
		return nil
	}
	return r.recs[r.i-1]
}

func (r *chunkReader) Record() arrow.RecordBatch { return r.RecordBatch() }

func (r *chunkReader) Next() bool {
	if r.i >= len(r.recs) {
		r.i = len(r.recs) + 1
		return false
	}
	r.i++
	return true
}
