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

// DescribeTarget reports a target table's columns as Arrow fields (the
// source mapping: what a Read of the table would produce) and its primary key.
func (c *Connector) DescribeTarget(ctx context.Context, config json.RawMessage, table sdk.TableRef) (*arrow.Schema, []string, bool, error) {
	conn, err := connect(ctx, config)
	if err != nil {
		return nil, nil, false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	schema := table.Namespace
	if schema == "" {
		schema = "public"
	}
	rel, err := lookupTable(ctx, conn, schema, table.Name)
	if sdk.CodeOf(err) == sdk.CodeNotFound {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	fields := make([]arrow.Field, len(rel.Columns))
	for i, p := range planColumns(rel.Columns) {
		fields[i] = p.field
	}
	return arrow.NewSchema(fields, nil), rel.PK, true, nil
}

// ApplySchema renders changes as PostgreSQL DDL and, unless dryRun, runs
// them in one transaction. The returned statements are exactly those run.
func (c *Connector) ApplySchema(ctx context.Context, config json.RawMessage, table sdk.TableRef, changes []sdk.SchemaChange, dryRun bool) ([]string, error) {
	schema := table.Namespace
	if schema == "" {
		schema = "public"
	}
	ddl, err := renderDDL(schema, table.Name, changes)
	if err != nil {
		return nil, err
	}
	if dryRun || len(ddl) == 0 {
		return ddl, nil
	}
	conn, err := connect(ctx, config)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Concurrent CREATE SCHEMA IF NOT EXISTS of one schema can fail
		// with a unique violation: serialize on the schema, as BeginLoad.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "dpone:schema:"+schema); err != nil {
			return err
		}
		for _, q := range ddl {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		return ddl, classify(fmt.Errorf("apply schema to %s: %w", qualified(schema, table.Name), err))
	}
	return ddl, nil
}

// renderDDL is the DDL of changes to schema.name.
func renderDDL(schema, name string, changes []sdk.SchemaChange) ([]string, error) {
	t := qualified(schema, name)
	var out []string
	for _, ch := range changes {
		switch ch.Op {
		case sdk.OpCreateTable:
			if ch.Schema == nil || ch.Schema.NumFields() == 0 {
				return nil, sdk.Errorf(sdk.CodeSchema, "create_table %s: no columns", t)
			}
			defs, err := columnDefs(ch.Schema, true)
			if err != nil {
				return nil, err
			}
			if len(ch.PrimaryKey) > 0 {
				defs = append(defs, "PRIMARY KEY ("+identList(ch.PrimaryKey)+")")
			}
			out = append(out, "CREATE SCHEMA IF NOT EXISTS "+ident(schema),
				"CREATE TABLE "+t+" ("+strings.Join(defs, ", ")+")")
		case sdk.OpAddColumn:
			typ, err := ddlType(ch.Field)
			if err != nil {
				return nil, err
			}
			// Added columns are nullable: existing rows have no value.
			out = append(out, "ALTER TABLE "+t+" ADD COLUMN "+ident(ch.Field.Name)+" "+typ)
		case sdk.OpWidenType:
			typ, err := ddlType(ch.Field)
			if err != nil {
				return nil, err
			}
			col := ident(ch.Field.Name)
			out = append(out, "ALTER TABLE "+t+" ALTER COLUMN "+col+" TYPE "+typ+" USING "+col+"::"+typ)
		case sdk.OpDropNotNull:
			out = append(out, "ALTER TABLE "+t+" ALTER COLUMN "+ident(ch.Field.Name)+" DROP NOT NULL")
		default:
			return nil, sdk.Errorf(sdk.CodeUnsupported, "schema change %s is not supported by postgres", ch.Op)
		}
	}
	return out, nil
}

// primaryKeyDef is the table constraint of key, "" for none.
func primaryKeyDef(key []string) string {
	if len(key) == 0 {
		return ""
	}
	return "PRIMARY KEY (" + identList(key) + ")"
}
