package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

var (
	_ sdk.TargetDescriber   = (*Connector)(nil)
	_ sdk.LoadSchemaApplier = (*Connector)(nil)
)

// schemaOps are the changes ApplySchemaFor applies to an existing target.
// create_table is not among them: the sink creates an absent target
// itself at BeginLoad, with the physical design of its sink options
// (partitioning, clustering, descriptions, labels); plan asks for that
// CREATE with a dry run.
var schemaOps = []sdk.SchemaOp{sdk.OpAddColumn, sdk.OpWidenType, sdk.OpDropNotNull}

// DescribeTarget returns the target's columns as the Storage Read API
// gives them (fromtype.go), NUMERIC and BIGNUMERIC with their declared
// precision and scale, and its primary key constraint; exists is false
// when the table is absent.
func (c *Connector) DescribeTarget(ctx context.Context, raw json.RawMessage, table sdk.TableRef) (*arrow.Schema, []string, bool, error) {
	cfg, err := parseConfig(raw)
	if err != nil {
		return nil, nil, false, err
	}
	svc, err := newBQService(ctx, cfg)
	if err != nil {
		return nil, nil, false, err
	}
	ds := table.Namespace
	if ds == "" {
		ds = cfg.Dataset
	}
	t, err := svc.Tables.Get(cfg.Project, ds, table.Name).Context(ctx).Do()
	if isNotFound(err) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, classify("bigquery sink: describe target "+ds+"."+table.Name, err)
	}
	var pk []string
	if t.TableConstraints != nil && t.TableConstraints.PrimaryKey != nil {
		pk = t.TableConstraints.PrimaryKey.Columns
	}
	return targetSchema(t.Schema), pk, true, nil
}

// targetSchema is arrowSchema with parameterized decimals at their
// declared precision and scale.
func targetSchema(s *bq.TableSchema) *arrow.Schema {
	out := arrowSchema(s)
	if s == nil {
		return out
	}
	fields := out.Fields()
	for i, f := range s.Fields {
		if f.Mode == "REPEATED" || f.Precision == 0 {
			continue
		}
		switch legacyType(f.Type) {
		case "NUMERIC":
			fields[i].Type = &arrow.Decimal128Type{Precision: int32(f.Precision), Scale: int32(f.Scale)}
		case "BIGNUMERIC", "BIGDECIMAL":
			fields[i].Type = &arrow.Decimal256Type{Precision: int32(f.Precision), Scale: int32(f.Scale)}
		}
	}
	return arrow.NewSchema(fields, nil)
}

// ApplySchemaFor renders changes as BigQuery DDL and, unless DryRun, runs
// each statement (one query each; BigQuery DDL is not transactional, and
// every statement is safe to repeat: ADD COLUMN IF NOT EXISTS, a type or
// nullability the column already has changes nothing). A dry-run
// create_table (plan, for an absent target) answers with what the load
// req.For will run: the CREATE BeginLoad runs, then the load and publish
// jobs as SQL comments (planStatements).
func (c *Connector) ApplySchemaFor(ctx context.Context, req sdk.SchemaRequest) ([]string, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	for _, ch := range req.Changes {
		if ch.Op != sdk.OpCreateTable {
			continue
		}
		if !req.DryRun || req.For.Mode == "" || len(req.Changes) > 1 {
			return nil, sdk.Errorf(sdk.CodeUnsupported, "create_table %s: the bigquery sink creates absent targets itself at BeginLoad, with the partitioning and clustering of sink.options", req.Table.Name)
		}
		return planStatements(req.Config, req.Table, ch.Schema, req.For.Mode, req.For.UniqueKey, req.For.Load, req.For.Options, req.For.Staging)
	}
	ds := req.Table.Namespace
	if ds == "" {
		ds = cfg.Dataset
	}
	target := quoteIdent(cfg.Project + "." + ds + "." + req.Table.Name)
	ddl, err := alterStatements(target, req.Changes)
	if err != nil || req.DryRun || len(ddl) == 0 {
		return ddl, err
	}
	cl, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	for _, q := range ddl {
		if _, err := cl.query(ctx, cfg, "bigquery sink: apply "+q, q, nil); err != nil {
			return nil, err
		}
	}
	return ddl, nil
}

// widenings are the column type changes BigQuery's ALTER COLUMN SET DATA
// TYPE makes (from → to).
var widenings = map[string][]string{
	"INT64":   {"NUMERIC", "BIGNUMERIC", "FLOAT64"},
	"NUMERIC": {"BIGNUMERIC", "FLOAT64"},
}

// alterStatements renders add_column, widen_type and drop_not_null on
// target. Added columns are nullable (BigQuery adds no REQUIRED column
// to a table with rows). A widening whose BigQuery type is the column's
// type already (int32 to int64: both INT64; nanoseconds: BigQuery keeps
// microseconds, as TypeLoss notes) needs no statement.
func alterStatements(target string, changes []sdk.SchemaChange) ([]string, error) {
	var ddl []string
	for _, ch := range changes {
		col := quoteIdent(ch.Field.Name)
		switch ch.Op {
		case sdk.OpAddColumn:
			typ, err := bqType(ch.Field)
			if err != nil {
				return nil, err
			}
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", target, col, typ))
		case sdk.OpDropNotNull:
			ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", target, col))
		case sdk.OpWidenType:
			to, err := bqType(ch.Field)
			if err != nil {
				return nil, err
			}
			from := to
			if ch.From != nil {
				if from, err = bqType(arrow.Field{Name: ch.Field.Name, Type: ch.From, Metadata: ch.Field.Metadata}); err != nil {
					return nil, err
				}
			}
			switch {
			case from == to:
			case slices.Contains(widenings[from], to):
				ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DATA TYPE %s", target, col, to))
			default:
				return nil, sdk.Errorf(sdk.CodeSchema, "widen_type %s.%s: BigQuery cannot change a %s column to %s: load the target with full_refresh, or set sink.options.schema_evolution.on_type_change: new_column", target, ch.Field.Name, from, to)
			}
		default:
			return nil, sdk.Errorf(sdk.CodeUnsupported, "schema change %s is not supported by the bigquery sink", ch.Op)
		}
	}
	return ddl, nil
}
