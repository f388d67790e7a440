package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// schemaOps are the schema changes ApplySchema applies. create_table is
// not among them: the sink creates an absent target itself, at BeginLoad
// (staging) and commit, with the physical design of the load's mode and
// sink.options (engine, ORDER BY, PARTITION BY, ...); dpone plan shows that
// CREATE through ApplySchemaFor's dry run (plan.go).
var schemaOps = []sdk.SchemaOp{sdk.OpAddColumn, sdk.OpWidenType, sdk.OpDropNotNull}

// ApplySchema renders changes to an existing target as ClickHouse ALTER
// TABLE statements and, unless dryRun, runs them in order, each waiting
// for the data it rewrites (alter_sync, mutations_sync = 2). ClickHouse
// has no transactional DDL: each statement is atomic and safe to repeat
// (ADD COLUMN IF NOT EXISTS; MODIFY COLUMN to the type it already has
// changes nothing), so a failed apply is finished by the next run.
//
// Added columns are Nullable (the rows already there have no value; a
// non-Nullable column would invent zeros and empty strings). A widened column keeps its
// Nullable and LowCardinality wrappers. Sorting key columns cannot become
// Nullable, and ClickHouse refuses most type changes of key columns: both
// are SCHEMA errors that say what to do.
func (c *Connector) ApplySchema(ctx context.Context, raw json.RawMessage, table sdk.TableRef, changes []sdk.SchemaChange, dryRun bool) ([]string, error) {
	s, err := c.open(ctx, raw)
	if err != nil {
		return nil, err
	}
	db := database(table, s.database)
	t, err := s.table(ctx, db, table.Name)
	if err != nil {
		return nil, err
	}
	ddl, err := renderChanges(db, table.Name, t, changes)
	if err != nil || dryRun {
		return ddl, err
	}
	actx := ch.Context(ctx, ch.WithSettings(ch.Settings{"alter_sync": 2, "mutations_sync": 2}))
	for _, q := range ddl {
		if err := s.conn.Exec(detach(actx), q); err != nil {
			err = classify(fmt.Errorf("apply %q: %w", q, err))
			if sdk.CodeOf(err) != sdk.CodeConnect && sdk.CodeOf(err) != sdk.CodeUnavailable {
				err = sdk.Errorf(sdk.CodeSchema, "%w: ClickHouse refused the change (a type change of a sorting key column, or one it cannot convert): load the target with full_refresh, or set sink.options.schema_evolution.on_type_change: new_column", err)
			}
			return nil, err
		}
	}
	return ddl, nil
}

// renderChanges renders changes to db.table (t: its description, nil when
// absent) as ALTER TABLE statements, one per change.
func renderChanges(db, table string, t *tableInfo, changes []sdk.SchemaChange) ([]string, error) {
	target := qualified(db, table)
	var ddl []string
	for _, c := range changes {
		if c.Op == sdk.OpCreateTable {
			return nil, sdk.Errorf(sdk.CodeUnsupported, "create_table %s.%s: the clickhouse sink creates absent targets itself at BeginLoad, with the physical design of sink.options", db, table)
		}
		if t == nil {
			return nil, sdk.Errorf(sdk.CodeNotFound, "%s %s.%s: the table does not exist", c.Op, db, table)
		}
		name := c.Field.Name
		col := t.column(name)
		if c.Op != sdk.OpAddColumn && col == nil {
			return nil, sdk.Errorf(sdk.CodeSchema, "%s %s.%s: column %q does not exist", c.Op, db, table, name)
		}
		switch c.Op {
		case sdk.OpAddColumn:
			f := c.Field
			f.Nullable = true
			typ, err := columnType(f, false, false)
			if err != nil {
				return nil, err
			}
			if v, _ := f.Metadata.GetValue(sdk.MetaLogical); v == sdk.LogicalJSON {
				typ += " COMMENT " + literal(jsonComment)
			}
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", target, quote(name), typ))
		case sdk.OpWidenType:
			f := c.Field
			f.Nullable = nullable(col.typ)
			typ, err := columnType(f, !f.Nullable, strings.HasPrefix(col.typ, "LowCardinality("))
			if err != nil {
				return nil, err
			}
			if col.comment != "" {
				typ += " COMMENT " + literal(col.comment)
			}
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s %s", target, quote(name), typ))
		case sdk.OpDropNotNull:
			if nullable(col.typ) || strings.HasPrefix(col.typ, "Array(") {
				continue
			}
			if col.inKey || inSortingKey(t, name) {
				return nil, sdk.Errorf(sdk.CodeSchema, "drop_not_null %s.%s: column %q is in the sorting key, which ClickHouse does not allow to be Nullable: filter NULLs in the source, or recreate the target with another order_by", db, table, name)
			}
			typ := "Nullable(" + col.typ + ")"
			if inner, ok := strings.CutPrefix(col.typ, "LowCardinality("); ok {
				typ = "LowCardinality(Nullable(" + inner + ")"
			}
			if col.comment != "" {
				typ += " COMMENT " + literal(col.comment)
			}
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s %s", target, quote(name), typ))
		default:
			return nil, sdk.Errorf(sdk.CodeUnsupported, "schema change %s is not supported by the clickhouse sink", c.Op)
		}
	}
	return ddl, nil
}

// inSortingKey reports whether column name is in t's sorting key.
func inSortingKey(t *tableInfo, name string) bool {
	for _, k := range t.sortingKey {
		if k == name {
			return true
		}
	}
	return false
}
