package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// relation is a table or view found in the catalog.
type relation struct {
	OID      uint32
	Schema   string
	Name     string
	Rows     int64
	Bytes    int64
	Columns  []pgColumn
	PK       []string
	Relation string // relkind
}

const relationsSQL = `
SELECT c.oid, n.nspname, c.relname, greatest(c.reltuples, 0)::bigint,
       CASE WHEN c.relkind IN ('r','m','p') THEN pg_total_relation_size(c.oid) ELSE 0 END, c.relkind::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND c.relname <> '_dpone_loads' AND c.relname NOT LIKE '\_dpone\_stg\_%'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
  AND (cardinality($2::text[]) = 0 OR n.nspname || '.' || c.relname = ANY($2))
ORDER BY n.nspname, c.relname`

const columnsSQL = `
SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

const primaryKeysSQL = `
SELECT i.indrelid, a.attname
FROM pg_index i
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = ANY($1::oid[]) AND i.indisprimary
ORDER BY i.indrelid, k.ord`

// Discover lists the tables and views of the selected schemas. A selector
// entry is a schema ("public") or a table ("public.orders"); no selector
// means every non-system schema.
func (c *Connector) Discover(ctx context.Context, config json.RawMessage, selector []string) ([]sdk.Stream, error) {
	conn, err := connect(ctx, config)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	schemas, tables := []string{}, []string{}
	for _, s := range selector {
		if strings.Contains(s, ".") {
			tables = append(tables, s)
		} else if s != "" {
			schemas = append(schemas, s)
		}
	}
	rels, err := loadRelations(ctx, conn, schemas, tables)
	if err != nil {
		return nil, err
	}
	out := make([]sdk.Stream, 0, len(rels))
	for _, r := range rels {
		fields := make([]arrow.Field, len(r.Columns))
		var cursors []string
		plans := planColumns(r.Columns)
		for i, p := range plans {
			col := r.Columns[i]
			fields[i] = p.field
			switch p.kind {
			case kInt2, kInt4, kInt8, kNumeric, kDate, kTimestamp, kTimestamptz:
				cursors = append(cursors, col.Name)
			}
		}
		out = append(out, sdk.Stream{
			Name: r.Name, Namespace: r.Schema, Schema: arrow.NewSchema(fields, nil),
			PrimaryKey: r.PK, CursorCandidates: cursors, RowEstimate: r.Rows, ByteEstimate: r.Bytes,
			PayloadFormats: payloadFormats(plans),
		})
	}
	return out, nil
}

// loadRelations reads relations with their columns and primary keys in
// three catalog queries.
func loadRelations(ctx context.Context, conn *pgx.Conn, schemas, tables []string) ([]*relation, error) {
	rows, err := conn.Query(ctx, relationsSQL, schemas, tables)
	if err != nil {
		return nil, classify(fmt.Errorf("list relations: %w", err))
	}
	var rels []*relation
	byOID := map[uint32]*relation{}
	for rows.Next() {
		r := &relation{}
		if err := rows.Scan(&r.OID, &r.Schema, &r.Name, &r.Rows, &r.Bytes, &r.Relation); err != nil {
			rows.Close()
			return nil, classify(fmt.Errorf("list relations: %w", err))
		}
		rels = append(rels, r)
		byOID[r.OID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("list relations: %w", err))
	}
	if len(rels) == 0 {
		return nil, nil
	}
	oids := make([]uint32, len(rels))
	for i, r := range rels {
		oids[i] = r.OID
	}
	if err := loadColumns(ctx, conn, oids, byOID); err != nil {
		return nil, err
	}
	rows, err = conn.Query(ctx, primaryKeysSQL, oids)
	if err != nil {
		return nil, classify(fmt.Errorf("list primary keys: %w", err))
	}
	var oid uint32
	var name string
	_, err = pgx.ForEachRow(rows, []any{&oid, &name}, func() error {
		byOID[oid].PK = append(byOID[oid].PK, name)
		return nil
	})
	if err != nil {
		return nil, classify(fmt.Errorf("list primary keys: %w", err))
	}
	for _, r := range rels {
		r.setKeyPositions()
	}
	return rels, nil
}

func loadColumns(ctx context.Context, conn *pgx.Conn, oids []uint32, byOID map[uint32]*relation) error {
	rows, err := conn.Query(ctx, columnsSQL, oids)
	if err != nil {
		return classify(fmt.Errorf("list columns: %w", err))
	}
	var oid uint32
	var col pgColumn
	_, err = pgx.ForEachRow(rows, []any{&oid, &col.Name, &col.OID, &col.Typmod, &col.Native, &col.NotNull, &col.ElemOID}, func() error {
		byOID[oid].Columns = append(byOID[oid].Columns, col)
		return nil
	})
	if err != nil {
		return classify(fmt.Errorf("list columns: %w", err))
	}
	return nil
}

// lookupTable returns one relation by schema and name; NOT_FOUND when absent.
func lookupTable(ctx context.Context, conn *pgx.Conn, schema, name string) (*relation, error) {
	var oid *uint32
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1)::oid", qualified(schema, name)).Scan(&oid); err != nil {
		return nil, classify(fmt.Errorf("look up %s: %w", qualified(schema, name), err))
	}
	if oid == nil {
		return nil, sdk.Errorf(sdk.CodeNotFound, "table %s does not exist", qualified(schema, name))
	}
	r := &relation{OID: *oid, Schema: schema, Name: name}
	err := conn.QueryRow(ctx, "SELECT greatest(reltuples, 0)::bigint, relkind::text FROM pg_class WHERE oid = $1", *oid).Scan(&r.Rows, &r.Relation)
	if err != nil {
		return nil, classify(fmt.Errorf("look up %s: %w", qualified(schema, name), err))
	}
	byOID := map[uint32]*relation{*oid: r}
	if err := loadColumns(ctx, conn, []uint32{*oid}, byOID); err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, primaryKeysSQL, []uint32{*oid})
	if err != nil {
		return nil, classify(fmt.Errorf("list primary keys: %w", err))
	}
	var pk string
	var ignored uint32
	if _, err := pgx.ForEachRow(rows, []any{&ignored, &pk}, func() error { r.PK = append(r.PK, pk); return nil }); err != nil {
		return nil, classify(fmt.Errorf("list primary keys: %w", err))
	}
	r.setKeyPositions()
	return r, nil
}

// describeQuery returns the result columns of a query without running it.
func describeQuery(ctx context.Context, conn *pgx.Conn, query string) ([]pgColumn, error) {
	sd, err := conn.PgConn().Prepare(ctx, "", query, nil)
	if err != nil {
		return nil, classify(fmt.Errorf("describe query: %w", err))
	}
	cols := make([]pgColumn, len(sd.Fields))
	oids := make([]uint32, len(sd.Fields))
	mods := make([]int32, len(sd.Fields))
	for i, f := range sd.Fields {
		cols[i] = pgColumn{Name: f.Name, OID: f.DataTypeOID, Typmod: f.TypeModifier}
		oids[i], mods[i] = f.DataTypeOID, f.TypeModifier
	}
	rows, err := conn.Query(ctx, `
SELECT format_type(u.o, u.m), CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END
FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY u(o, m, i) JOIN pg_type t ON t.oid = u.o
ORDER BY u.i`, oids, mods)
	if err != nil {
		return nil, classify(fmt.Errorf("describe query types: %w", err))
	}
	i := 0
	var native string
	var elem uint32
	_, err = pgx.ForEachRow(rows, []any{&native, &elem}, func() error {
		cols[i].Native, cols[i].ElemOID = native, elem
		i++
		return nil
	})
	if err != nil {
		return nil, classify(fmt.Errorf("describe query types: %w", err))
	}
	return cols, nil
}
