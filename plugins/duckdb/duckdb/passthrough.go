package duckdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Native passthrough: a file source's Parquet files (sdk.PayloadParquetFiles)
// are read by DuckDB itself, INSERT ... SELECT ... FROM read_parquet, with
// no Arrow batches through dpone: DuckDB reads them with its own threads,
// and neither the file plugin nor the host decodes a value.

var _ sdk.PayloadDestination = (*Connector)(nil)

// AcceptedPayloadFormats lists the native formats WritePayload takes.
func (c *Connector) AcceptedPayloadFormats() []string { return []string{sdk.PayloadParquetFiles} }

// AcceptPayload takes Parquet files for loads whose every column has a
// type DuckDB's Parquet reader gives exactly as the Arrow path does
// (numbers, booleans, strings incl. uuid and json text, binaries, dates,
// decimals, timestamps to the microsecond); anything else (nested types,
// nanosecond timestamps, time) goes through Arrow.
func (c *Connector) AcceptPayload(_ context.Context, req sdk.LoadRequest, format string) (string, error) {
	if format != sdk.PayloadParquetFiles {
		return "the duckdb sink takes only " + sdk.PayloadParquetFiles, nil
	}
	if req.Schema == nil {
		return "the load has no schema", nil
	}
	for _, f := range req.Schema.Fields() {
		if why := parquetExact(f); why != "" {
			return fmt.Sprintf("column %s: %s", f.Name, why), nil
		}
	}
	return "", nil
}

// parquetExact says why DuckDB's Parquet reader might give f's values
// otherwise than the Arrow path, or "" when it gives them exactly.
func parquetExact(f arrow.Field) string {
	if v, ok := f.Metadata.GetValue(sdk.MetaLogical); ok && v != "" {
		// uuid and json are Parquet strings either way; staging's type
		// (UUID, JSON) casts them on both paths alike.
		id := f.Type.ID()
		if (v != sdk.LogicalUUID && v != sdk.LogicalJSON) || (id != arrow.STRING && id != arrow.LARGE_STRING) {
			return "logical type " + v + " is read through Arrow"
		}
	}
	switch t := f.Type.(type) {
	case *arrow.BooleanType, *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Float32Type, *arrow.Float64Type, *arrow.StringType, *arrow.LargeStringType,
		*arrow.BinaryType, *arrow.LargeBinaryType, *arrow.Date32Type, *arrow.Decimal128Type:
		return ""
	case *arrow.TimestampType:
		if t.Unit == arrow.Nanosecond {
			return "nanosecond timestamps are read through Arrow"
		}
		return ""
	}
	return f.Type.String() + " is read through Arrow"
}

// WritePayload inserts every payload's files into the load's staging
// table, the payload's columns by name.
func (c *Connector) WritePayload(ctx context.Context, req sdk.LoadRequest, format string, in sdk.PayloadReader) (sdk.WriteResult, error) {
	if format != sdk.PayloadParquetFiles {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeUnsupported, "duckdb sink: payload format %q: only %s", format, sdk.PayloadParquetFiles)
	}
	l, err := c.prepare(ctx, req)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	ok, err := tableExists(ctx, l.db.db, l.schema, l.staging)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if !ok {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeNotFound, "load %s: staging %s.%s does not exist (BeginLoad first, or the load was committed or aborted)",
			req.LoadID, l.schema, l.staging)
	}
	var res sdk.WriteResult
	for {
		data, rows, err := in.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return res, nil
			}
			return res, err
		}
		p, err := sdk.DecodeParquetFiles(data)
		if err != nil {
			return res, err
		}
		cols := make([]string, len(p.Columns))
		for i, c := range p.Columns {
			cols[i] = quote(c)
		}
		files := make([]string, len(p.Files))
		for i, f := range p.Files {
			files[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM read_parquet([%s])", qualified(l.schema, l.staging),
			strings.Join(cols, ", "), strings.Join(cols, ", "), strings.Join(files, ", "))
		r, err := l.db.db.ExecContext(ctx, q)
		if err != nil {
			return res, classify(fmt.Errorf("load %s into staging: %w", strings.Join(p.Files, ", "), err))
		}
		n, _ := r.RowsAffected()
		if n != rows {
			return res, sdk.Errorf(sdk.CodeData, "load %s into staging: inserted %d rows, the source counted %d", strings.Join(p.Files, ", "), n, rows)
		}
		res.Rows += n
		res.Bytes += int64(len(data))
	}
}
