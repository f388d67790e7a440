package clickhouse

import (
	"context"
	"encoding/json"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// DescribeTarget reports the schema of an existing table as the source
// reads it, except Array, Map and named Tuple columns, which it reports
// as the list, map and struct types the sink maps to them; and its key (the sorting key of a ReplacingMergeTree); exists
// is false when the table is absent.
func (c *Connector) DescribeTarget(ctx context.Context, raw json.RawMessage, table sdk.TableRef) (*arrow.Schema, []string, bool, error) {
	s, err := c.open(ctx, raw)
	if err != nil {
		return nil, nil, false, err
	}
	t, err := s.table(ctx, database(table, s.database), table.Name)
	if err != nil || t == nil {
		return nil, nil, false, err
	}
	cols, err := tableColumns(t)
	if err != nil {
		return nil, nil, false, err
	}
	fields := make([]arrow.Field, len(cols))
	for i, col := range cols {
		fields[i] = col.field
		dt, ok, err := nestedArrow(col.native)
		if err != nil {
			return nil, nil, false, sdk.Errorf(sdk.CodeSchema, "describe %s.%s: column %q: %w", table.Namespace, table.Name, col.name, err)
		}
		if ok {
			fields[i].Type, fields[i].Nullable = dt, true
			fields[i].Metadata = arrow.NewMetadata([]string{sdk.MetaNative}, []string{col.native})
		}
	}
	return arrow.NewSchema(fields, nil), t.key(), true, nil
}

// DescribeStream returns the stream a Read with req produces (its
// options may name a query), without reading rows: plans use it.
func (c *Connector) DescribeStream(ctx context.Context, req sdk.ReadRequest) (sdk.Stream, error) {
	opts, err := decodeSourceOptions(req.Options)
	if err != nil {
		return sdk.Stream{}, err
	}
	s, err := c.open(ctx, req.Config)
	if err != nil {
		return sdk.Stream{}, err
	}
	_, all, err := s.relation(ctx, req, opts)
	if err != nil {
		return sdk.Stream{}, err
	}
	var need []string
	if opts.IncrementalStrategy == "column" {
		cur, err := newCursor(opts, all, req)
		if err != nil {
			return sdk.Stream{}, err
		}
		need = cur.Columns()
	}
	cols, err := project(all, req.Columns, need)
	if err != nil {
		return sdk.Stream{}, err
	}
	fields := make([]arrow.Field, len(cols))
	var pk []string
	for i, col := range cols {
		fields[i] = col.field
		if col.field.Metadata.FindKey(metaPrimaryKey) >= 0 {
			pk = append(pk, col.name)
		}
	}
	schema := arrow.NewSchema(fields, nil)
	return sdk.Stream{Name: req.Stream, Namespace: req.Namespace, Schema: schema, PrimaryKey: pk, CursorCandidates: sdk.CursorCandidates(schema)}, nil
}
