package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// DescribeTarget reports the schema and primary key of an existing table,
// mapped back to Arrow; exists is false when the table is absent.
func (c *Connector) DescribeTarget(ctx context.Context, raw json.RawMessage, table sdk.TableRef) (*arrow.Schema, []string, bool, error) {
	d, err := c.openConfig(ctx, raw, false)
	if err != nil {
		return nil, nil, false, err
	}
	return describe(ctx, d.db, namespace(table), table.Name)
}

// describe reads a table's columns and primary key from the catalog.
func describe(ctx context.Context, q queryer, schema, table string) (*arrow.Schema, []string, bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT column_name, data_type, is_nullable FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index`, schema, table)
	if err != nil {
		return nil, nil, false, classify(fmt.Errorf("describe %s.%s: %w", schema, table, err))
	}
	defer rows.Close()
	var fields []arrow.Field
	for rows.Next() {
		var name, typ string
		var nullable bool
		if err := rows.Scan(&name, &typ, &nullable); err != nil {
			return nil, nil, false, classify(fmt.Errorf("describe %s.%s: %w", schema, table, err))
		}
		nt, err := parseNative(typ)
		if err != nil {
			return nil, nil, false, sdk.Errorf(sdk.CodeSchema, "describe %s.%s: column %q: %w", schema, table, name, err)
		}
		fields = append(fields, nativeField(name, typ, nt, nullable))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, false, classify(fmt.Errorf("describe %s.%s: %w", schema, table, err))
	}
	if len(fields) == 0 {
		return nil, nil, false, nil
	}
	pk, err := primaryKey(ctx, q, schema, table)
	if err != nil {
		return nil, nil, false, err
	}
	for i, f := range fields {
		if pos := slices.Index(pk, f.Name) + 1; pos > 0 {
			fields[i] = withMeta(f, metaPrimaryKey, strconv.Itoa(pos))
		}
	}
	return arrow.NewSchema(fields, nil), pk, true, nil
}

// withMeta returns f with one more metadata key.
func withMeta(f arrow.Field, key, val string) arrow.Field {
	f.Metadata = arrow.NewMetadata(append(f.Metadata.Keys(), key), append(f.Metadata.Values(), val))
	return f
}

// wholeKey drops the primary key positions of cols unless every key
// column is among them: part of a key is no key.
func wholeKey(cols []column) []column {
	n, seen := 0, map[string]bool{}
	for _, c := range cols {
		if v, ok := c.field.Metadata.GetValue(metaPrimaryKey); ok {
			pos, _ := strconv.Atoi(v)
			n = max(n, pos)
			seen[v] = true
		}
	}
	if len(seen) == n {
		return cols
	}
	out := slices.Clone(cols)
	for i, c := range out {
		if c.field.Metadata.FindKey(metaPrimaryKey) < 0 {
			continue
		}
		var k, v []string
		for j, key := range c.field.Metadata.Keys() {
			if key != metaPrimaryKey {
				k, v = append(k, key), append(v, c.field.Metadata.Values()[j])
			}
		}
		out[i].field.Metadata = arrow.NewMetadata(k, v)
	}
	return out
}

// nativeField is the Arrow field of a DuckDB column, with dpone.native set
// to its DuckDB type.
func nativeField(name, native string, nt nativeType, nullable bool) arrow.Field {
	keys, vals := []string{metaNative}, []string{native}
	if nt.logical != "" {
		keys, vals = append(keys, metaLogical), append(vals, nt.logical)
	}
	switch nt.dt.(type) {
	case *arrow.MonthDayNanoIntervalType:
		// DuckDB intervals hold microseconds: sinks need not warn of
		// nanoseconds this source cannot produce.
		keys, vals = append(keys, metaFractionDigits), append(vals, "6")
	case *arrow.StringType:
		if nt.logical == "" && !strings.EqualFold(native, "VARCHAR") {
			// ENUM, TIME WITH TIME ZONE, BIT, ...: read as their text.
			keys, vals = append(keys, metaTextForm), append(vals, "true")
		}
	}
	return arrow.Field{Name: name, Type: nt.dt, Nullable: nullable, Metadata: arrow.NewMetadata(keys, vals)}
}

func primaryKey(ctx context.Context, q queryer, schema, table string) ([]string, error) {
	var cols []any
	err := q.QueryRowContext(ctx, `SELECT constraint_column_names FROM duckdb_constraints()
		WHERE database_name = current_database() AND schema_name = ? AND table_name = ? AND constraint_type = 'PRIMARY KEY'`,
		schema, table).Scan(&cols)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, classify(fmt.Errorf("primary key of %s.%s: %w", schema, table, err))
	}
	pk := make([]string, 0, len(cols))
	for _, c := range cols {
		pk = append(pk, fmt.Sprint(c))
	}
	return pk, nil
}

// ApplySchema renders changes as DuckDB DDL and, unless dryRun, applies
// them all in one transaction.
func (c *Connector) ApplySchema(ctx context.Context, raw json.RawMessage, table sdk.TableRef, changes []sdk.SchemaChange, dryRun bool) ([]string, error) {
	cfg, err := decodeConfig(raw)
	if err != nil {
		return nil, err
	}
	// A dry run needs no database; the JSON type does (JSON vs VARCHAR).
	m := typeMapper{jsonType: "JSON"}
	var d *database
	if !dryRun {
		if d, err = c.open(ctx, cfg, true); err != nil {
			return nil, err
		}
		m.jsonType = d.jsonType
	}
	ddl, err := renderDDL(m, namespace(table), table.Name, changes)
	if err != nil || dryRun {
		return ddl, err
	}
	d.ddl.Lock()
	defer d.ddl.Unlock()
	err = d.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range ddl {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return classify(fmt.Errorf("apply %q: %w", q, err))
			}
		}
		return nil
	})
	return ddl, err
}

func renderDDL(m typeMapper, schema, table string, changes []sdk.SchemaChange) ([]string, error) {
	target := qualified(schema, table)
	var ddl []string
	for _, ch := range changes {
		switch ch.Op {
		case sdk.OpCreateTable:
			if ch.Schema == nil {
				return nil, sdk.Errorf(sdk.CodeSchema, "create_table %s.%s: no schema", schema, table)
			}
			defs, err := m.columnDefs(ch.Schema)
			if err != nil {
				return nil, err
			}
			if len(ch.PrimaryKey) > 0 {
				defs = append(defs, "PRIMARY KEY ("+columnList(ch.PrimaryKey, "")+")")
			}
			ddl = append(ddl, "CREATE SCHEMA IF NOT EXISTS "+quote(schema),
				fmt.Sprintf("CREATE TABLE %s (%s)", target, strings.Join(defs, ", ")))
		case sdk.OpAddColumn:
			t, err := m.columnType(ch.Field)
			if err != nil {
				return nil, err
			}
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", target, quote(ch.Field.Name), t))
		case sdk.OpWidenType:
			t, err := m.columnType(ch.Field)
			if err != nil {
				return nil, err
			}
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DATA TYPE %s", target, quote(ch.Field.Name), t))
		case sdk.OpDropNotNull:
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", target, quote(ch.Field.Name)))
		default:
			return nil, sdk.Errorf(sdk.CodeUnsupported, "schema change %s is not supported", ch.Op)
		}
	}
	return ddl, nil
}
