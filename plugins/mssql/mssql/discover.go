package mssql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// catalogSQL lists the columns of user tables and views with their primary
// key position and the row estimate of sys.dm_db_partition_stats (heap or
// clustered index only, so nonclustered indexes do not count twice).
// dpone's own tables (_dpone_*) are left out. The filter is a schema
// (@schema) and optionally a table (@table); NULL means all.
const catalogSQL = `SELECT s.name, o.name, c.name, TYPE_NAME(c.system_type_id), c.max_length, c.precision, c.scale,
  c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  ISNULL((SELECT ic.key_ordinal FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
          WHERE i.object_id = o.object_id AND i.is_primary_key = 1 AND ic.column_id = c.column_id), 0),
  ISNULL((SELECT SUM(ps.row_count) FROM sys.dm_db_partition_stats ps WHERE ps.object_id = o.object_id AND ps.index_id IN (0, 1)), -1)
FROM sys.objects o
JOIN sys.schemas s ON s.schema_id = o.schema_id
JOIN sys.columns c ON c.object_id = o.object_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0 AND o.name NOT LIKE N'\_dpone\_%' ESCAPE N'\'
  AND (@schema IS NULL OR s.name = @schema) AND (@table IS NULL OR o.name = @table)
ORDER BY s.name, o.name, c.column_id;`

// tableDesc is one table of the catalog.
type tableDesc struct {
	Schema, Name string
	Columns      []column
	PrimaryKey   []string
	Rows         int64
}

// describeTables runs catalogSQL.
func describeTables(ctx context.Context, db *sql.DB, schema, table string) ([]tableDesc, error) {
	return describeTablesQuery(ctx, db, catalogSQL, schema, table)
}

// describeTablesQuery runs q, catalogSQL or catalogSQLIn.
func describeTablesQuery(ctx context.Context, db *sql.DB, q, schema, table string) ([]tableDesc, error) {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	rows, err := db.QueryContext(ctx, q, sql.Named("schema", nullable(schema)), sql.Named("table", nullable(table)))
	if err != nil {
		return nil, classify(fmt.Errorf("discover: %w", err))
	}
	defer rows.Close()
	var out []tableDesc
	pks := map[int]string{}
	flush := func() {
		if len(out) == 0 {
			return
		}
		t := &out[len(out)-1]
		for i := 1; i <= len(pks); i++ {
			t.PrimaryKey = append(t.PrimaryKey, pks[i])
		}
		clear(pks)
	}
	for rows.Next() {
		var s, n string
		var c column
		var ml, prec, scale, keyOrd int
		var est int64
		if err := rows.Scan(&s, &n, &c.Name, &c.Type, &ml, &prec, &scale, &c.Nullable, &c.Identity, &c.Computed, &c.Collation, &keyOrd, &est); err != nil {
			return nil, classify(fmt.Errorf("discover: %w", err))
		}
		c.MaxLength, c.Precision, c.Scale = ml, prec, scale
		if len(out) == 0 || out[len(out)-1].Schema != s || out[len(out)-1].Name != n {
			flush()
			out = append(out, tableDesc{Schema: s, Name: n, Rows: est})
		}
		t := &out[len(out)-1]
		t.Columns = append(t.Columns, c)
		if keyOrd > 0 {
			pks[keyOrd] = c.Name
		}
	}
	flush()
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("discover: %w", err))
	}
	return out, nil
}

// Discover lists tables and views. A selector entry is a schema ("dbo")
// or a table ("dbo.orders"); none means every schema. Columns of a type
// dpone cannot read exactly are left out of the stream with a log line.
func (c *Connector) Discover(ctx context.Context, config json.RawMessage, selector []string) ([]sdk.Stream, error) {
	db, err := open(ctx, config)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var tables []tableDesc
	if len(selector) == 0 {
		selector = []string{""}
	}
	for _, sel := range selector {
		schema, table, _ := strings.Cut(sel, ".")
		ts, err := describeTables(ctx, db, schema, table)
		if err != nil {
			return nil, err
		}
		tables = append(tables, ts...)
	}
	streams := make([]sdk.Stream, 0, len(tables))
	for _, t := range tables {
		s, err := t.stream()
		if err != nil {
			return nil, err
		}
		streams = append(streams, s)
	}
	return streams, nil
}

// stream maps a table to a stream; unreadable columns are skipped.
func (t tableDesc) stream() (sdk.Stream, error) {
	fields := make([]arrow.Field, 0, len(t.Columns))
	var cursors []string
	for _, c := range t.Columns {
		f, err := c.arrowField()
		if err != nil {
			continue
		}
		fields = append(fields, f)
		switch c.Type {
		case "datetime2", "datetime", "datetimeoffset", "smalldatetime", "date", "int", "bigint", "timestamp", "rowversion":
			cursors = append(cursors, c.Name)
		}
	}
	pk := slices.Clone(t.PrimaryKey)
	rows := t.Rows
	if rows < 0 {
		rows = 0
	}
	return sdk.Stream{Namespace: t.Schema, Name: t.Name, Schema: arrow.NewSchema(fields, nil), PrimaryKey: pk,
		CursorCandidates: cursors, RowEstimate: rows}, nil
}
