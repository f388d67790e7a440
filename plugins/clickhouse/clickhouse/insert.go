package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/zeebo/xxh3"

	"github.com/dpone-go/dpone/sdk"
)

// insert sends every record of records to staging as one native block.
func (l *load) insert(ctx context.Context, schema *arrow.Schema, st *tableInfo, records sdk.RecordReader) (sdk.WriteResult, error) {
	var res sdk.WriteResult
	names := fieldNames(schema)
	nulls := make([]bool, len(names))
	for i, n := range names {
		c := st.column(n)
		if c == nil {
			return res, sdk.Errorf(sdk.CodeSchema, "load %s: column %q is not in staging %s.%s (the target lacks it: evolve the target's schema first)", l.req.LoadID, n, l.db, l.staging)
		}
		nulls[i] = nullable(c.typ)
	}
	cols := names
	lg := l.lineage()
	if lg != nil {
		cols = append(append([]string(nil), names...), lg.RunIDColumn, lg.LoadedAtColumn)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s)", qualified(l.db, l.staging), columnList(cols))
	for block := 0; ; block++ {
		rec, err := records.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		token := fmt.Sprintf("%s:%d:%016x", l.req.LoadID, block, digest(rec))
		bctx := ch.Context(ctx, ch.WithSettings(ch.Settings{
			"async_insert": 0, "insert_deduplicate": 1, "insert_deduplication_token": token,
			// A block may span any number of partitions of staging (the
			// server refuses more than 100 by default): staging holds the
			// load's partitions whatever their number.
			"max_partitions_per_insert_block": 0,
		}))
		batch, err := l.srv.conn.PrepareBatch(detach(bctx), q)
		if err != nil {
			return res, classify(fmt.Errorf("insert into staging %s.%s: %w", l.db, l.staging, err))
		}
		for i, n := range names {
			idx := rec.Schema().FieldIndices(n)
			if len(idx) == 0 {
				batch.Abort()
				return res, sdk.Errorf(sdk.CodeSchema, "record has no column %q of the load's schema", n)
			}
			f := rec.Schema().Field(idx[0])
			v, err := columnValues(f, rec.Column(idx[0]), nulls[i])
			if err == nil {
				err = batch.Column(i).Append(v)
			}
			if err != nil {
				batch.Abort()
				return res, sdk.Errorf(sdk.CodeOf(err), "insert column %q into staging: %w", n, err)
			}
		}
		if lg != nil {
			n := int(rec.NumRows())
			if err := batch.Column(len(names)).Append(constColumn(n, lg.RunID)); err != nil {
				batch.Abort()
				return res, sdk.Errorf(sdk.CodeInternal, "insert lineage: %w", err)
			}
			if err := batch.Column(len(names) + 1).Append(constColumn(n, l.loadedAt)); err != nil {
				batch.Abort()
				return res, sdk.Errorf(sdk.CodeInternal, "insert lineage: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return res, classify(fmt.Errorf("insert into staging %s.%s: %w", l.db, l.staging, err))
		}
		res.Rows += rec.NumRows()
	}
}

// digest hashes a record's buffers (deduplication tokens).
func digest(rec arrow.RecordBatch) uint64 {
	h := xxh3.New()
	var walk func(d arrow.ArrayData)
	walk = func(d arrow.ArrayData) {
		for _, b := range d.Buffers() {
			if b != nil {
				h.Write(b.Bytes())
			}
		}
		for _, c := range d.Children() {
			walk(c)
		}
	}
	for _, c := range rec.Columns() {
		walk(c.Data())
	}
	return h.Sum64()
}
