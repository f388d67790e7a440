package clickhouse

import (
	"context"
	"fmt"
	"time"
	"unsafe"

	chgo "github.com/ClickHouse/ch-go"
	"github.com/ClickHouse/ch-go/proto"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// scanBlocksOrRows reads q as native blocks, or row by row (scan) when
// the block path failed before sending anything (a column type ch-go
// cannot decode).
func (s *server) scanBlocksOrRows(ctx context.Context, q string, schema *arrow.Schema, w sdk.RecordWriter, stream string) error {
	cw := &countingWriter{RecordWriter: w}
	err := s.scanBlocks(ctx, q, schema, cw, stream)
	if err != nil && cw.records == 0 && ctx.Err() == nil && sdk.CodeOf(err) != sdk.CodeConnect {
		return s.scan(ctx, q, nil, schema, w, stream)
	}
	return err
}

// countingWriter counts the records written through it.
type countingWriter struct {
	sdk.RecordWriter
	records int
}

func (c *countingWriter) Write(rec arrow.RecordBatch) error {
	c.records++
	return c.RecordWriter.Write(rec)
}

// scanBlocks runs q (without arguments) over ch-go and turns each native
// block the server sends into one Arrow record, column by column: no
// per-row Scan through database/sql-style destinations. The server sizes
// blocks by bytes (preferred_block_size_bytes = the writer's batch size).
// A cancelled Read kills the query on the server, as scan does.
func (s *server) scanBlocks(ctx context.Context, q string, schema *arrow.Schema, w sdk.RecordWriter, stream string) error {
	client, err := dialBlocks(detach(ctx), s.opts)
	if err != nil {
		return err
	}
	defer client.Close()
	_, id := withQueryID(ctx)
	stop := context.AfterFunc(ctx, func() { _ = s.kill(id) })
	defer stop()
	cols := make(proto.Results, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = proto.ResultColumn{Name: f.Name, Data: &proto.ColAuto{}}
	}
	var werr error
	query := chgo.Query{Body: q, QueryID: id, Result: cols,
		Settings: []chgo.Setting{{Key: "preferred_block_size_bytes", Value: fmt.Sprint(w.BatchBytes())}},
		OnResult: func(_ context.Context, b proto.Block) error {
			if b.Rows == 0 {
				return nil
			}
			rec, err := blockRecord(schema, cols, b.Rows)
			if err != nil {
				werr = err
				return err
			}
			defer rec.Release()
			if err := w.Write(rec); err != nil {
				werr = err
				return err
			}
			return nil
		}}
	err = client.Do(detach(ctx), query)
	switch {
	case werr != nil:
		return werr
	case ctx.Err() != nil:
		return sdk.WithCode(sdk.CodeUnavailable, fmt.Errorf("read %s: %w", stream, ctx.Err()))
	case err != nil:
		return classify(fmt.Errorf("read %s: %w", stream, err))
	}
	return nil
}

// blockRecord converts one block's columns into a record of schema.
func blockRecord(schema *arrow.Schema, cols proto.Results, rows int) (arrow.RecordBatch, error) {
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for i, f := range schema.Fields() {
		data := cols[i].Data.(*proto.ColAuto).Data
		if err := appendColumn(rb.Field(i), f, data, rows); err != nil {
			return nil, sdk.Errorf(sdk.CodeData, "column %q: %w", f.Name, err)
		}
	}
	return rb.NewRecordBatch(), nil
}

// appendColumn appends rows values of a block column to b.
func appendColumn(b array.Builder, f arrow.Field, data proto.ColResult, rows int) error {
	b.Reserve(rows)
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Int8Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Int16Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Int32Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Int64Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Uint8Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Uint16Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Uint32Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Uint64Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Float32Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.Float64Builder:
		return appendValues(data, rows, b, bb.Append)
	case *array.StringBuilder:
		return appendText(data, rows, b, func(v []byte) error { bb.BinaryBuilder.Append(v); return nil })
	case *array.Decimal128Builder:
		t := f.Type.(*arrow.Decimal128Type)
		return appendText(data, rows, b, func(v []byte) error {
			if d, ok := parseDecimal128(v, t.Scale); ok {
				bb.Append(d)
				return nil
			}
			d, err := decimal128.FromString(unsafe.String(unsafe.SliceData(v), len(v)), t.Precision, t.Scale)
			if err != nil {
				return fmt.Errorf("decimal %q: %w", v, err)
			}
			bb.Append(d)
			return nil
		})
	case *array.Decimal256Builder:
		t := f.Type.(*arrow.Decimal256Type)
		return appendText(data, rows, b, func(v []byte) error {
			d, err := decimal256.FromString(unsafe.String(unsafe.SliceData(v), len(v)), t.Precision, t.Scale)
			if err != nil {
				return fmt.Errorf("decimal %q: %w", v, err)
			}
			bb.Append(d)
			return nil
		})
	case *array.Date32Builder:
		return appendValues(data, rows, b, func(v time.Time) {
			y, m, d := v.Date()
			bb.Append(arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
		})
	case *array.TimestampBuilder:
		unit := f.Type.(*arrow.TimestampType).Unit
		var terr error
		err := appendValues(data, rows, b, func(v time.Time) {
			ts, err := arrow.TimestampFromTime(v, unit)
			if err != nil && terr == nil {
				terr = err
			}
			bb.Append(ts)
		})
		if err == nil {
			err = terr
		}
		return err
	}
	return fmt.Errorf("no block conversion into %s", f.Type)
}

// appendValues appends a column of T or Nullable(T) (LowCardinality
// included) by its rows.
func appendValues[T any](data proto.ColResult, rows int, b array.Builder, put func(T)) error {
	switch c := data.(type) {
	case proto.ColumnOf[T]:
		for i := range rows {
			put(c.Row(i))
		}
		return nil
	case proto.ColumnOf[proto.Nullable[T]]:
		for i := range rows {
			if v := c.Row(i); v.Set {
				put(v.Value)
			} else {
				b.AppendNull()
			}
		}
		return nil
	}
	return fmt.Errorf("block column %s does not hold %T values", data.Type(), *new(T))
}

// appendText appends a String or Nullable(String) column by the bytes of
// each value (no string allocated per value); other text columns (e.g.
// LowCardinality) by their rows.
func appendText(data proto.ColResult, rows int, b array.Builder, put func([]byte) error) error {
	bytesOf := func(c *proto.ColStr, i int) []byte { p := c.Pos[i]; return c.Buf[p.Start:p.End] }
	switch c := data.(type) {
	case *proto.ColStr:
		for i := range rows {
			if err := put(bytesOf(c, i)); err != nil {
				return err
			}
		}
		return nil
	case *proto.ColNullable[string]:
		if s, ok := c.Values.(*proto.ColStr); ok {
			for i := range rows {
				if c.Nulls[i] == 1 {
					b.AppendNull()
				} else if err := put(bytesOf(s, i)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var perr error
	err := appendValues(data, rows, b, func(v string) {
		if err := put([]byte(v)); err != nil && perr == nil {
			perr = err
		}
	})
	if err == nil {
		err = perr
	}
	return err
}

// parseDecimal128 parses ClickHouse's text of a decimal ("-12.5": an
// optional sign, digits, an optional fraction of at most scale digits)
// into the unscaled value at scale, without allocating; ok is false for
// any other text (decimal128.FromString then decides).
func parseDecimal128(v []byte, scale int32) (decimal128.Num, bool) {
	var n decimal128.Num
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	ten := decimal128.FromI64(10)
	digits, frac, dot := 0, int32(0), false
	for _, c := range v {
		switch {
		case c == '.' && !dot:
			dot = true
		case c >= '0' && c <= '9':
			if digits++; digits > 38 {
				return n, false
			}
			if dot {
				if frac++; frac > scale {
					return n, false
				}
			}
			n = n.Mul(ten).Add(decimal128.FromI64(int64(c - '0')))
		default:
			return n, false
		}
	}
	if digits == 0 {
		return n, false
	}
	for ; frac < scale; frac++ {
		if digits++; digits > 38 {
			return n, false
		}
		n = n.Mul(ten)
	}
	if neg {
		n = n.Negate()
	}
	return n, true
}
