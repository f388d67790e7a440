package file

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/sdk"
)

// stream reads the files of one stream, all in one format.
type stream interface {
	// Schema is the stream's schema (after projection).
	Schema() *arrow.Schema
	// RowEstimate estimates the rows of files.
	RowEstimate(files []fileEntry) int64
	// Read reads files in order and writes their rows to out.
	Read(ctx context.Context, files []fileEntry, out sdk.RecordWriter) error
}

// openStream prepares reading files: it infers or reads the schema from
// them (a sample for CSV and JSONL, the footer for Parquet) and applies
// options and the column projection.
func openStream(ctx context.Context, files []fileEntry, opts Options, columns []string) (stream, error) {
	switch files[0].format {
	case formatCSV:
		return newCSVStream(ctx, files, opts, columns)
	case formatJSONL:
		return newJSONLStream(ctx, files, opts, columns)
	case formatParquet:
		return newParquetStream(files, opts, columns)
	}
	return nil, sdk.Errorf(sdk.CodeConfig, "unknown format %q (allowed: %s)", files[0].format, formatNames)
}

// cancelCheckRows is how often row loops look at the context, on top of
// every buffer fill: often enough to stop well within a second.
const cancelCheckRows = 1024

// dataError is a DATA error pointing at a line of a file:
// orders.csv:17: column "qty": "abc" is not an int64.
func dataError(f fileEntry, line int, format string, args ...any) error {
	return sdk.Errorf(sdk.CodeData, "%s:%d: %s", f.label(), line, fmt.Sprintf(format, args...))
}

// sampleEstimate extrapolates a row count from a sample's bytes per row.
func sampleEstimate(sampleRows int, sampleBytes int64, files []fileEntry) int64 {
	var total int64
	for _, f := range files {
		total += f.size
	}
	if sampleRows == 0 || sampleBytes <= 0 {
		return 0
	}
	return total * int64(sampleRows) / sampleBytes
}

// progressWriter reports progress after every record it passes on.
type progressWriter struct {
	sdk.RecordWriter
	rows     int64
	estimate int64
}

func (p *progressWriter) Write(rec arrow.RecordBatch) error {
	if err := p.RecordWriter.Write(rec); err != nil {
		return err
	}
	p.rows += rec.NumRows()
	return p.RecordWriter.Progress(p.rows, max(p.estimate, p.rows))
}

// arrowRecord makes a record of cols.
func arrowRecord(schema *arrow.Schema, cols []arrow.Array, rows int64) arrow.RecordBatch {
	return array.NewRecordBatch(schema, cols, rows)
}
