package mssql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var (
	_ sdk.TargetDescriber = (*Connector)(nil)
	_ sdk.SchemaApplier   = (*Connector)(nil)
)

// DescribeTarget reports a target table's columns as the source reads
// them (column.arrowField: types dpone cannot read exactly are left out,
// as Discover does) and its primary key; exists is false when the table
// is absent. A namespace "db.schema" describes a table of another
// database; "" is dbo.
func (c *Connector) DescribeTarget(ctx context.Context, config json.RawMessage, table sdk.TableRef) (*arrow.Schema, []string, bool, error) {
	l, err := schemaLoad(table)
	if err != nil {
		return nil, nil, false, err
	}
	db, err := open(ctx, config)
	if err != nil {
		return nil, nil, false, err
	}
	defer db.Close()
	q := catalogSQLIn(l.database())
	ts, err := describeTablesQuery(ctx, db, q, l.schemaName(), table.Name)
	if err != nil {
		return nil, nil, false, err
	}
	i := slices.IndexFunc(ts, func(t tableDesc) bool { return t.Name == table.Name })
	if i < 0 {
		return nil, nil, false, nil
	}
	schema, err := ts[i].targetSchema()
	if err != nil {
		return nil, nil, false, err
	}
	return schema, ts[i].PrimaryKey, true, nil
}

// targetSchema is a target's schema as DescribeTarget reports it: the
// source's mapping, except that key columns carry no length. SQL Server
// cannot ALTER a column a key or index uses, so a plan must not widen
// one: the sink creates unbounded string keys as nvarchar(450) (an index
// key holds 900 bytes), and a value longer than a key column fails the
// load with a DATA error (truncation) instead.
func (t tableDesc) targetSchema() (*arrow.Schema, error) {
	st, err := t.stream()
	if err != nil {
		return nil, err
	}
	fields := st.Schema.Fields()
	for i, f := range fields {
		if !slices.Contains(t.PrimaryKey, f.Name) {
			continue
		}
		if j := f.Metadata.FindKey(sdk.MetaMaxLength); j >= 0 {
			keys, vals := slices.Clone(f.Metadata.Keys()), slices.Clone(f.Metadata.Values())
			fields[i].Metadata = arrow.NewMetadata(slices.Delete(keys, j, j+1), slices.Delete(vals, j, j+1))
		}
	}
	return arrow.NewSchema(fields, nil), nil
}

// catalogSQLIn is catalogSQL on the catalog of database db ("" = the
// connection's).
func catalogSQLIn(db string) string {
	if db == "" {
		return catalogSQL
	}
	return strings.ReplaceAll(catalogSQL, " sys.", " "+ident(db)+".sys.")
}

// schemaLoad resolves a table for schema calls (names and quoting only).
func schemaLoad(table sdk.TableRef) (*load, error) {
	if table.Namespace == "" {
		table.Namespace = "dbo"
	}
	return resolveLoad(sdk.LoadRequest{Target: table, LoadID: "schema"}, false)
}

// ApplySchema renders changes as T-SQL DDL and, unless dryRun, runs them
// in one transaction (DDL is transactional in SQL Server) under the
// target's commit lock. The returned statements are exactly those run.
// Widening and dropping NOT NULL restate the column (ALTER COLUMN takes
// the whole definition), so those read the column's current type,
// collation and nullability first, also for a dry run.
func (c *Connector) ApplySchema(ctx context.Context, config json.RawMessage, table sdk.TableRef, changes []sdk.SchemaChange, dryRun bool) ([]string, error) {
	l, err := schemaLoad(table)
	if err != nil {
		return nil, err
	}
	var ti targetInfo
	needsColumns := slices.ContainsFunc(changes, func(ch sdk.SchemaChange) bool {
		return ch.Op == sdk.OpWidenType || ch.Op == sdk.OpDropNotNull
	})
	if !dryRun || needsColumns {
		db, err := open(ctx, config)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, classify(err)
		}
		defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
		if !dryRun {
			if _, err := tx.ExecContext(ctx, l.lockSQL()); err != nil {
				return nil, classify(fmt.Errorf("apply schema to %s: %w", l.target, err))
			}
		}
		if needsColumns {
			if ti, err = readTarget(ctx, tx, l.targetInfoSQL()); err != nil {
				return nil, classify(fmt.Errorf("apply schema to %s: read its columns: %w", l.target, err))
			}
		}
		ddl, err := l.renderDDL(changes, ti)
		if err != nil || dryRun || len(ddl) == 0 {
			return ddl, err
		}
		for _, q := range ddl {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return ddl, classify(fmt.Errorf("apply schema to %s: %s: %w", l.target, q, err))
			}
		}
		if err := tx.Commit(); err != nil {
			return ddl, classify(fmt.Errorf("apply schema to %s: %w", l.target, err))
		}
		return ddl, nil
	}
	return l.renderDDL(changes, ti)
}

// renderDDL is the DDL of changes; ti is the target's current columns
// (read only when a change restates a column).
func (l *load) renderDDL(changes []sdk.SchemaChange, ti targetInfo) ([]string, error) {
	relaxed := map[string]bool{}
	widened := map[string]bool{}
	for _, ch := range changes {
		switch ch.Op {
		case sdk.OpDropNotNull:
			relaxed[ch.Field.Name] = true
		case sdk.OpWidenType:
			widened[ch.Field.Name] = true
		}
	}
	current := func(name string) (column, error) {
		i := slices.IndexFunc(ti.Columns, func(c column) bool { return c.Name == name })
		if i < 0 {
			return column{}, sdk.Errorf(sdk.CodeNotFound, "mssql sink: column %q is not in %s: run dpone plan again", name, l.target)
		}
		return ti.Columns[i], nil
	}
	var out []string
	for _, ch := range changes {
		switch ch.Op {
		case sdk.OpCreateTable:
			if ch.Schema == nil || ch.Schema.NumFields() == 0 {
				return nil, sdk.Errorf(sdk.CodeSchema, "mssql sink: create_table %s: no columns", l.target)
			}
			defs := make([]string, 0, ch.Schema.NumFields()+1)
			for _, f := range ch.Schema.Fields() {
				t, err := ddlType(f)
				if slices.Contains(ch.PrimaryKey, f.Name) {
					t, err = keyType(f)
				}
				if err != nil {
					return nil, err
				}
				null := " NULL"
				if !f.Nullable || slices.Contains(ch.PrimaryKey, f.Name) {
					null = " NOT NULL"
				}
				defs = append(defs, ident(f.Name)+" "+t+null)
			}
			if len(ch.PrimaryKey) > 0 {
				defs = append(defs, "PRIMARY KEY ("+identList(ch.PrimaryKey)+")")
			}
			out = append(out, l.ensureSchemaSQL(), "CREATE TABLE "+l.target+" (\n  "+strings.Join(defs, ",\n  ")+");")
		case sdk.OpAddColumn:
			t, err := ddlType(ch.Field)
			if err != nil {
				return nil, err
			}
			// Added columns are nullable: existing rows have no value.
			out = append(out, "ALTER TABLE "+l.target+" ADD "+ident(ch.Field.Name)+" "+t+" NULL;")
		case sdk.OpWidenType:
			t, err := ddlType(ch.Field)
			if err != nil {
				return nil, err
			}
			cur, err := current(ch.Field.Name)
			if err != nil {
				return nil, err
			}
			if isText(t) && cur.Collation != "" && collationName.MatchString(cur.Collation) {
				t += " COLLATE " + cur.Collation // keep the column's collation
			}
			out = append(out, "ALTER TABLE "+l.target+" ALTER COLUMN "+ident(ch.Field.Name)+" "+t+nullity(cur.Nullable || relaxed[ch.Field.Name])+";")
		case sdk.OpDropNotNull:
			if widened[ch.Field.Name] {
				continue // the widening restates the column as NULL
			}
			cur, err := current(ch.Field.Name)
			if err != nil {
				return nil, err
			}
			cur.Nullable = true
			out = append(out, "ALTER TABLE "+l.target+" ALTER COLUMN "+cur.definition()+";")
		default:
			return nil, sdk.Errorf(sdk.CodeUnsupported, "mssql sink: schema change %s is not supported", ch.Op)
		}
	}
	return out, nil
}

func nullity(nullable bool) string {
	if nullable {
		return " NULL"
	}
	return " NOT NULL"
}

// isText reports whether a rendered type takes a collation.
func isText(t string) bool {
	for _, p := range []string{"nvarchar", "nchar", "varchar", "char"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}
