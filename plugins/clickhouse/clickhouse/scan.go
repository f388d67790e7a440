package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"

	"github.com/dpone-go/dpone/sdk"
)

// scanner holds one column's scan destination and appends its value.
type scanner struct {
	dest   any
	append func(b array.Builder) error
}

// ptr is a scan destination for a column that may be NULL: the driver
// scans Nullable(T) into **T.
func newScanner[T any](nullable bool, put func(b array.Builder, v T) error) scanner {
	if nullable {
		var p *T
		return scanner{dest: &p, append: func(b array.Builder) error {
			if p == nil {
				b.AppendNull()
				return nil
			}
			return put(b, *p)
		}}
	}
	var v T
	return scanner{dest: &v, append: func(b array.Builder) error { return put(b, v) }}
}

// scannerFor is the scanner of a field read by parseNative's expression.
func scannerFor(f arrow.Field) (scanner, error) {
	n := f.Nullable
	switch t := f.Type.(type) {
	case *arrow.BooleanType:
		return newScanner(n, func(b array.Builder, v bool) error { b.(*array.BooleanBuilder).Append(v); return nil }), nil
	case *arrow.Int8Type:
		return newScanner(n, func(b array.Builder, v int8) error { b.(*array.Int8Builder).Append(v); return nil }), nil
	case *arrow.Int16Type:
		return newScanner(n, func(b array.Builder, v int16) error { b.(*array.Int16Builder).Append(v); return nil }), nil
	case *arrow.Int32Type:
		return newScanner(n, func(b array.Builder, v int32) error { b.(*array.Int32Builder).Append(v); return nil }), nil
	case *arrow.Int64Type:
		return newScanner(n, func(b array.Builder, v int64) error { b.(*array.Int64Builder).Append(v); return nil }), nil
	case *arrow.Uint8Type:
		return newScanner(n, func(b array.Builder, v uint8) error { b.(*array.Uint8Builder).Append(v); return nil }), nil
	case *arrow.Uint16Type:
		return newScanner(n, func(b array.Builder, v uint16) error { b.(*array.Uint16Builder).Append(v); return nil }), nil
	case *arrow.Uint32Type:
		return newScanner(n, func(b array.Builder, v uint32) error { b.(*array.Uint32Builder).Append(v); return nil }), nil
	case *arrow.Uint64Type:
		return newScanner(n, func(b array.Builder, v uint64) error { b.(*array.Uint64Builder).Append(v); return nil }), nil
	case *arrow.Float32Type:
		return newScanner(n, func(b array.Builder, v float32) error { b.(*array.Float32Builder).Append(v); return nil }), nil
	case *arrow.Float64Type:
		return newScanner(n, func(b array.Builder, v float64) error { b.(*array.Float64Builder).Append(v); return nil }), nil
	case *arrow.Decimal128Type:
		return newScanner(n, func(b array.Builder, v string) error {
			d, err := decimal128.FromString(v, t.Precision, t.Scale)
			if err != nil {
				return fmt.Errorf("decimal %q: %w", v, err)
			}
			b.(*array.Decimal128Builder).Append(d)
			return nil
		}), nil
	case *arrow.Decimal256Type:
		return newScanner(n, func(b array.Builder, v string) error {
			d, err := decimal256.FromString(v, t.Precision, t.Scale)
			if err != nil {
				return fmt.Errorf("decimal %q: %w", v, err)
			}
			b.(*array.Decimal256Builder).Append(d)
			return nil
		}), nil
	case *arrow.StringType:
		return newScanner(n, func(b array.Builder, v string) error { b.(*array.StringBuilder).Append(v); return nil }), nil
	case *arrow.Date32Type:
		return newScanner(n, func(b array.Builder, v time.Time) error {
			y, m, d := v.Date()
			b.(*array.Date32Builder).Append(arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
			return nil
		}), nil
	case *arrow.TimestampType:
		return newScanner(n, func(b array.Builder, v time.Time) error {
			ts, err := arrow.TimestampFromTime(v, t.Unit)
			if err != nil {
				return err
			}
			b.(*array.TimestampBuilder).Append(ts)
			return nil
		}), nil
	}
	return scanner{}, sdk.Errorf(sdk.CodeSchema, "column %q: no scanner for %s", f.Name, f.Type)
}

// scan runs q and writes its rows to w in batches sized by bytes.
func (s *server) scan(ctx context.Context, q string, args []any, schema *arrow.Schema, w sdk.RecordWriter, stream string) error {
	scanners := make([]scanner, schema.NumFields())
	dests := make([]any, len(scanners))
	for i, f := range schema.Fields() {
		sc, err := scannerFor(f)
		if err != nil {
			return err
		}
		scanners[i], dests[i] = sc, sc.dest
	}
	qctx, id := withQueryID(ctx)
	rows, err := s.conn.Query(detach(qctx), q, args...)
	if err != nil {
		return classify(fmt.Errorf("read %s: %w", stream, err))
	}
	defer rows.Close()
	// A cancelled Read kills its query on the server, which ends the rows.
	stop := context.AfterFunc(ctx, func() { _ = s.kill(id) })
	defer stop()
	bb := sdk.NewBatchBuilder(nil, schema, w)
	defer bb.Release()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return sdk.WithCode(sdk.CodeUnavailable, fmt.Errorf("read %s: %w", stream, err))
		}
		if err := rows.Scan(dests...); err != nil {
			return classify(fmt.Errorf("read %s: %w", stream, err))
		}
		for i, sc := range scanners {
			if err := sc.append(bb.Field(i)); err != nil {
				return sdk.Errorf(sdk.CodeData, "read %s: column %q: %w", stream, schema.Field(i).Name, err)
			}
		}
		if err := bb.RowDone(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return sdk.WithCode(sdk.CodeUnavailable, fmt.Errorf("read %s: %w", stream, err))
	}
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("read %s: %w", stream, err))
	}
	return bb.Flush()
}
