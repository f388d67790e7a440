package objstage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/util"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/dpone-go/dpone/sdk"
)

// DefaultPartBytes is the Arrow size at which a Writer starts a new part
// file (the Parquet file is smaller: compressed).
const DefaultPartBytes = 256 << 20

// rowGroupBytes is the Arrow size of one Parquet row group.
const rowGroupBytes = 64 << 20

// Load collects the parts one load writes, across its Write streams. It is
// safe for concurrent use; part numbers are unique within the Load.
type Load struct {
	area *Area
	id   string
	mu   sync.Mutex
	// manifestMu orders manifest uploads as their snapshots: a later
	// snapshot lists every part an earlier one did, so the last upload
	// is the most complete.
	manifestMu sync.Mutex
	next       int
	files      []File
	rows       int64
}

// Load returns the staging of loadID. Keep one Load per load in the
// sink's process: its manifest lists the parts written through it.
func (a *Area) Load(loadID string) *Load { return &Load{area: a, id: loadID} }

// NewWriter starts a writer of one Write stream's batches, all of schema.
// PartBytes (0: DefaultPartBytes) is the Arrow size of a part.
func (l *Load) NewWriter(schema *arrow.Schema, partBytes int64) (*Writer, error) {
	return l.NewWriterWith(schema, partBytes)
}

// NewWriterWith is NewWriter with options for the loader that reads the
// parts (WithCoerceTimestamps).
func (l *Load) NewWriterWith(schema *arrow.Schema, partBytes int64, opts ...WriterOption) (*Writer, error) {
	if err := checkLoadID(l.id); err != nil {
		return nil, err
	}
	if partBytes <= 0 {
		partBytes = DefaultPartBytes
	}
	w := &Writer{load: l, schema: schema, partBytes: partBytes}
	for _, o := range opts {
		o(&w.opts)
	}
	return w, nil
}

// WriterOption adapts the Parquet a Writer writes to what its loader
// reads.
type WriterOption func(*writerOptions)

type writerOptions struct {
	coerceTimestamps bool
	timestampUnit    arrow.TimeUnit
}

// WithCoerceTimestamps writes every timestamp column, nested ones too, in
// unit, truncating finer values instead of failing (to microseconds,
// .123456789 becomes .123456). It is for loaders that read only some
// units: BigQuery reads a Parquet TIMESTAMP in micro- or milliseconds,
// never nanoseconds. Without it a timestamp keeps its Arrow unit. The
// Arrow schema stored in the file keeps the original type.
func WithCoerceTimestamps(unit arrow.TimeUnit) WriterOption {
	return func(o *writerOptions) { o.coerceTimestamps, o.timestampUnit = true, unit }
}

// arrowProps are the pqarrow properties of a part.
func (o writerOptions) arrowProps() pqarrow.ArrowWriterProperties {
	opts := []pqarrow.WriterOption{pqarrow.WithStoreSchema()}
	if o.coerceTimestamps {
		opts = append(opts, pqarrow.WithCoerceTimestamps(o.timestampUnit), pqarrow.WithTruncatedTimestamps(true))
	}
	return pqarrow.NewArrowWriterProperties(opts...)
}

// WriteManifest writes the load's checksum manifest listing every part
// closed so far; call it after each Write stream (it replaces the last).
func (l *Load) WriteManifest(ctx context.Context) error {
	l.manifestMu.Lock()
	defer l.manifestMu.Unlock()
	l.mu.Lock()
	m := Manifest{Version: manifestVersion, LoadID: l.id, Files: append([]File(nil), l.files...), Rows: l.rows}
	l.mu.Unlock()
	beforeManifestPut()
	return l.area.putManifest(ctx, m)
}

// beforeManifestPut runs between a manifest's snapshot and its upload
// (a test's hook).
var beforeManifestPut = func() {}

func (l *Load) part() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	l.next++
	return fmt.Sprintf("part-%05d.parquet", n)
}

func (l *Load) add(f File) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.files = append(l.files, f)
	l.rows += f.Rows
}

// Writer writes one stream's batches as Parquet parts. Not safe for
// concurrent use.
type Writer struct {
	load      *Load
	schema    *arrow.Schema
	partBytes int64
	opts      writerOptions

	tmp     *os.File
	hash    hashCounter
	pw      *pqarrow.FileWriter
	name    string
	rows    int64
	arrow   int64 // Arrow bytes in the open part
	inGroup int64 // Arrow bytes in the open row group
}

// hashCounter is the sha256 and byte count of what a part file received.
type hashCounter struct {
	w interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
	f io.Writer
}

func (h *hashCounter) Write(p []byte) (int, error) {
	n, err := h.f.Write(p)
	h.w.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// Write appends rec (of the writer's schema) to the open part, starting a
// part or a row group when the sizes say so.
func (w *Writer) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if !rec.Schema().Equal(w.schema) {
		return sdk.Errorf(sdk.CodeSchema, "staging: batch schema %s differs from the load's %s", rec.Schema(), w.schema)
	}
	if w.pw == nil {
		if err := w.open(); err != nil {
			return err
		}
	}
	size := util.TotalRecordSize(rec)
	if w.inGroup > 0 && w.inGroup+size > rowGroupBytes {
		w.pw.NewBufferedRowGroup()
		w.inGroup = 0
	}
	if err := w.pw.WriteBuffered(rec); err != nil {
		return wrap(sdk.CodeData, "staging: write %s: %w", w.name, err)
	}
	w.rows += rec.NumRows()
	w.arrow += size
	w.inGroup += size
	if w.arrow >= w.partBytes {
		return w.flush(ctx)
	}
	return nil
}

// WriteAll writes every record of records (a Write stream's: each valid
// until the next Next, owned by the reader, never released here), through
// convert when it is not nil (its result is released once written), then
// closes the writer; empty records are skipped. On any error it abandons
// the open part. It returns the rows written and their Arrow size.
func (w *Writer) WriteAll(ctx context.Context, records sdk.RecordReader, convert func(arrow.RecordBatch) (arrow.RecordBatch, error)) (rows, size int64, err error) {
	for {
		rec, err := records.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil && rec.NumRows() > 0 {
			out := rec
			if convert != nil {
				out, err = convert(rec)
			}
			if err == nil {
				err = w.Write(ctx, out)
				rows, size = rows+out.NumRows(), size+util.TotalRecordSize(out)
				if convert != nil {
					out.Release()
				}
			}
		}
		if err != nil {
			w.Abandon()
			return rows, size, err
		}
	}
	return rows, size, w.Close(ctx)
}

// Close uploads the open part, if any. The writer is done after it.
func (w *Writer) Close(ctx context.Context) error {
	if w.pw == nil {
		return nil
	}
	return w.flush(ctx)
}

// Abandon drops the open part without uploading it.
func (w *Writer) Abandon() {
	if w.pw != nil {
		w.pw.Close()
		w.pw = nil
	}
	if w.tmp != nil {
		w.tmp.Close()
		os.Remove(w.tmp.Name())
		w.tmp = nil
	}
}

func (w *Writer) open() error {
	tmp, err := os.CreateTemp("", "dpone-stage-*.parquet")
	if err != nil {
		return wrap(sdk.CodeInternal, "staging: temporary part file: %w", err)
	}
	w.tmp, w.name, w.rows, w.arrow, w.inGroup = tmp, w.load.part(), 0, 0, 0
	w.hash = hashCounter{w: sha256.New(), f: tmp}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithVersion(parquet.V2_6), parquet.WithMaxRowGroupLength(1<<30))
	pw, err := pqarrow.NewFileWriter(w.schema, &w.hash, props, w.opts.arrowProps())
	if err != nil {
		w.Abandon()
		return wrap(sdk.CodeSchema, "staging: parquet writer for %s: %w", w.name, err)
	}
	w.pw = pw
	return nil
}

// flush closes the open Parquet file, uploads it and records it.
func (w *Writer) flush(ctx context.Context) error {
	defer w.Abandon()
	if err := w.pw.Close(); err != nil {
		return wrap(sdk.CodeData, "staging: finish %s: %w", w.name, err)
	}
	w.pw = nil
	f := File{Name: w.name, Rows: w.rows, Bytes: w.hash.n, SHA256: hex.EncodeToString(w.hash.w.Sum(nil))}
	if _, err := w.tmp.Seek(0, io.SeekStart); err != nil {
		return wrap(sdk.CodeInternal, "staging: rewind %s: %w", w.name, err)
	}
	a := w.load.area
	if err := a.bucket.Put(ctx, a.loadPrefix(w.load.id)+f.Name, w.tmp, f.Bytes); err != nil {
		return err
	}
	w.load.add(f)
	return nil
}

// Loads are the loads a sink's process stages: one Load per load id,
// shared by the load's Write streams (the host opens one per source
// partition, concurrently), so its manifest lists every stream's parts.
// The zero value is ready; safe for concurrent use.
type Loads struct {
	mu sync.Mutex
	m  map[string]*Load
}

// Get returns loadID's Load in area a, creating it at the first call.
func (o *Loads) Get(a *Area, loadID string) *Load {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string]*Load{}
	}
	if l, ok := o.m[loadID]; ok {
		return l
	}
	l := a.Load(loadID)
	o.m[loadID] = l
	return l
}

// Forget drops loadID's Load (after its commit or abort).
func (o *Loads) Forget(loadID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, loadID)
}

// Finish forgets loadID's Load and, unless the area keeps them
// (staging.keep), removes its files from st: the sink's step after the
// load committed.
func (o *Loads) Finish(ctx context.Context, st *Config, loadID string) error {
	o.Forget(loadID)
	a, err := Open(ctx, st)
	if err != nil {
		return err
	}
	return a.Finish(ctx, loadID)
}

// Abort forgets loadID's Load and removes its files from st, kept or
// not: the sink's step when the load is aborted.
func (o *Loads) Abort(ctx context.Context, st *Config, loadID string) error {
	o.Forget(loadID)
	a, err := Open(ctx, st)
	if err != nil {
		return err
	}
	return a.Remove(ctx, loadID)
}

// Len is how many loads the process holds (not yet forgotten).
func (o *Loads) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.m)
}
