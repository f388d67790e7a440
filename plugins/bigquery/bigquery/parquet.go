package bigquery

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/util"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/dpone-go/dpone/sdk"
)

// openFunc opens the n-th staged file (part-n.parquet) for writing.
type openFunc func(ctx context.Context, n int) (io.WriteCloser, error)

// partWriter writes Arrow records as Parquet files of about limit bytes
// each (Arrow bytes fed, not compressed bytes), streamed to open's writer:
// memory holds one row group, never a whole file.
type partWriter struct {
	schema *arrow.Schema
	limit  int64
	open   openFunc

	n     int // files opened
	fed   int64
	out   io.WriteCloser
	pw    *pqarrow.FileWriter
	rows  int64
	bytes int64
}

// rowGroupRows bounds a row group, and so the writer's memory.
const rowGroupRows = 128 * 1024

// writerProps are the Parquet settings BigQuery reads losslessly:
// timestamps as UTC microseconds (isAdjustedToUTC for TIMESTAMP, not for
// DATETIME), decimals as fixed-length decimals, snappy pages.
func writerProps() (*parquet.WriterProperties, pqarrow.ArrowWriterProperties) {
	p := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(rowGroupRows),
		parquet.WithDictionaryDefault(true),
	)
	a := pqarrow.NewArrowWriterProperties(
		pqarrow.WithCoerceTimestamps(arrow.Microsecond),
		pqarrow.WithTruncatedTimestamps(true),
		pqarrow.WithStoreSchema(),
	)
	return p, a
}

// Write appends rec to the current file, opening a new one when the
// current one has reached the limit.
func (w *partWriter) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if w.pw != nil && w.fed >= w.limit {
		if err := w.closeFile(); err != nil {
			return err
		}
	}
	if w.pw == nil {
		out, err := w.open(ctx, w.n)
		if err != nil {
			return err
		}
		props, aprops := writerProps()
		pw, err := pqarrow.NewFileWriter(w.schema, out, props, aprops)
		if err != nil {
			out.Close()
			return sdk.Errorf(sdk.CodeSchema, "write parquet part-%d: %w", w.n, err)
		}
		w.out, w.pw, w.fed = out, pw, 0
		w.n++
	}
	if err := w.pw.WriteBuffered(rec); err != nil {
		return sdk.Errorf(sdk.CodeData, "write parquet part-%d: %w", w.n-1, err)
	}
	size := int64(util.TotalRecordSize(rec))
	w.fed += size
	w.bytes += size
	w.rows += rec.NumRows()
	return nil
}

// closeFile finishes the current file (footer) and closes its object.
func (w *partWriter) closeFile() error {
	if w.pw == nil {
		return nil
	}
	err := w.pw.Close() // closes out too
	w.pw, w.out = nil, nil
	if err != nil {
		return sdk.Errorf(sdk.CodeUnavailable, "finish parquet part-%d: %w", w.n-1, err)
	}
	return nil
}

// Close finishes the last file; Files is then the number written.
func (w *partWriter) Close() error { return w.closeFile() }

// Files is the number of files opened so far.
func (w *partWriter) Files() int { return w.n }

// partName is the object name of a load writer's n-th file.
func partName(prefix, loadID, writer string, n int) string {
	return fmt.Sprintf("%s/%s/part-%s-%05d.parquet", prefix, sdk.StagingName(loadID), writer, n)
}

// partGlob is the wildcard URI of every file of a load: one load job reads
// them all.
func partGlob(bucket, prefix, loadID string) string {
	return fmt.Sprintf("gs://%s/%s/%s/part-*.parquet", bucket, prefix, sdk.StagingName(loadID))
}
