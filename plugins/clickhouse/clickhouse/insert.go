package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"

	chgo "github.com/ClickHouse/ch-go"
	"github.com/ClickHouse/ch-go/proto"
	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/zeebo/xxh3"

	"github.com/dpone-go/dpone/sdk"
)

// insert sends the records of records to staging as native blocks:
// grouped, up to groupBytes per INSERT, through ch-go; a record with a
// column the block path does not handle through clickhouse-go, alone.
func (l *load) insert(ctx context.Context, schema *arrow.Schema, st *tableInfo, records sdk.RecordReader) (sdk.WriteResult, error) {
	var res sdk.WriteResult
	names := fieldNames(schema)
	nulls := make([]bool, len(names))
	types := make([]string, len(names))
	for i, n := range names {
		c := st.column(n)
		if c == nil {
			return res, sdk.Errorf(sdk.CodeSchema, "load %s: column %q is not in staging %s.%s (the target lacks it: evolve the target's schema first)", l.req.LoadID, n, l.db, l.staging)
		}
		nulls[i], types[i] = nullable(c.typ), c.typ
	}
	blocks := &blockWriter{l: l}
	defer blocks.close()
	cols := names
	lg := l.lineage()
	if lg != nil {
		cols = append(append([]string(nil), names...), lg.RunIDColumn, lg.LoadedAtColumn)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s)", qualified(l.db, l.staging), columnList(cols))
	group := &blockGroup{}
	defer group.release()
	block := 0
	// flush sends the grouped records as one INSERT whose token covers
	// all of them (a re-sent Write groups the same records the same way).
	flush := func() error {
		if len(group.recs) == 0 {
			return nil
		}
		token := fmt.Sprintf("%s:%d:%016x", l.req.LoadID, block, group.hash.Sum64())
		block++
		if err := blocks.send(ctx, group, types, token); err != nil {
			return err
		}
		for _, r := range group.recs {
			res.Rows += r.NumRows()
		}
		group.release()
		return nil
	}
	for {
		rec, err := records.Next()
		if errors.Is(err, io.EOF) {
			return res, flush()
		}
		if err != nil {
			return res, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		input, fast, err := blockInput(rec, names, types)
		if err != nil {
			return res, err
		}
		if fast {
			group.add(rec, input)
			if group.bytes >= groupBytes {
				if err := flush(); err != nil {
					return res, err
				}
			}
			continue
		}
		if err := flush(); err != nil {
			return res, err
		}
		token := fmt.Sprintf("%s:%d:%016x", l.req.LoadID, block, digest(rec))
		block++
		bctx := ch.Context(ctx, ch.WithSettings(insertSettings(token)))
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

// insertSettings are the settings of one staging block insert.
func insertSettings(token string) ch.Settings {
	return ch.Settings{
		"async_insert": 0, "insert_deduplicate": 1, "insert_deduplication_token": token,
		// A block may span any number of partitions of staging (the
		// server refuses more than 100 by default): staging holds the
		// load's partitions whatever their number.
		"max_partitions_per_insert_block": 0,
	}
}

// blockWriter sends ch-go blocks to staging over one connection of its
// own, dialled at the first block.
type blockWriter struct {
	l      *load
	client *chgo.Client
}

func (w *blockWriter) send(ctx context.Context, g *blockGroup, types []string, token string) error {
	l := w.l
	if w.client == nil {
		c, err := dialBlocks(detach(ctx), l.srv.opts)
		if err != nil {
			return err
		}
		w.client = c
	}
	block := func(i int) proto.Input {
		input := g.inputs[i]
		if lg := l.lineage(); lg != nil {
			run, at := constBlockColumns(int(g.recs[i].NumRows()), lg.RunID, l.loadedAt)
			input = append(input, proto.InputColumn{Name: lg.RunIDColumn, Data: run}, proto.InputColumn{Name: lg.LoadedAtColumn, Data: at})
		}
		return input
	}
	var settings []chgo.Setting
	for k, v := range insertSettings(token) {
		settings = append(settings, chgo.Setting{Key: k, Value: fmt.Sprint(v)})
	}
	input := block(0)
	next := 0
	q := chgo.Query{Body: "INSERT INTO " + qualified(l.db, l.staging) + " " + quoteInput(input) + " VALUES", Input: input, Settings: settings,
		// The group's further records, as further blocks of this INSERT.
		OnInput: func(context.Context) error {
			next++
			if next == len(g.inputs) {
				input[0].Data = noRows{input[0].Data} // nothing left to send
				return io.EOF
			}
			for k, c := range block(next) {
				input[k].Data = c.Data
				if k < len(types) {
					if inf, ok := c.Data.(proto.Inferable); ok {
						if err := inf.Infer(proto.ColumnType(types[k])); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}}
	if err := w.client.Do(detach(ctx), q); err != nil {
		// A failed Do closes the client: the next block dials again.
		w.close()
		return classify(fmt.Errorf("insert into staging %s.%s: %w", l.db, l.staging, err))
	}
	return nil
}

func (w *blockWriter) close() {
	if w.client != nil {
		w.client.Close()
		w.client = nil
	}
}

// dialBlocks opens a ch-go connection with the options of the DSN.
func dialBlocks(ctx context.Context, o *ch.Options) (*chgo.Client, error) {
	co := chgo.Options{Address: o.Addr[0], Database: o.Auth.Database, User: o.Auth.Username, Password: o.Auth.Password,
		TLS: o.TLS, DialTimeout: o.DialTimeout, ClientName: "dpone-connector-clickhouse"}
	if o.Compression != nil {
		switch o.Compression.Method {
		case ch.CompressionLZ4:
			co.Compression = chgo.CompressionLZ4
		case ch.CompressionZSTD:
			co.Compression = chgo.CompressionZSTD
		}
	}
	c, err := chgo.Dial(ctx, co)
	if err != nil {
		return nil, classify(fmt.Errorf("connect to clickhouse %s: %w", o.Addr[0], err))
	}
	return c, nil
}

// digest hashes a record's buffers (deduplication tokens).
func digest(rec arrow.RecordBatch) uint64 {
	h := xxh3.New()
	hashRecord(h, rec)
	return h.Sum64()
}

// hashRecord adds rec's buffers to h and returns their size in bytes.
func hashRecord(h *xxh3.Hasher, rec arrow.RecordBatch) int {
	n := 0
	var walk func(d arrow.ArrayData)
	walk = func(d arrow.ArrayData) {
		for _, b := range d.Buffers() {
			if b != nil {
				h.Write(b.Bytes())
				n += b.Len()
			}
		}
		for _, c := range d.Children() {
			walk(c)
		}
	}
	for _, c := range rec.Columns() {
		walk(c.Data())
	}
	return n
}
