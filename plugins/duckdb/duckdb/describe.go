package duckdb

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.StreamDescriber = (*Connector)(nil)

// DescribeStream returns the schema a Read with req would produce, for a
// table or an options.query (described by DuckDB, not run), with the same
// projection as Read. Plans use it.
func (c *Connector) DescribeStream(ctx context.Context, req sdk.ReadRequest) (sdk.Stream, error) {
	opts, err := decodeSourceOptions(req.Options)
	if err != nil {
		return sdk.Stream{}, err
	}
	d, err := c.openConfig(ctx, req.Config, false)
	if err != nil {
		return sdk.Stream{}, err
	}
	_, all, err := relation(ctx, d.db, req, opts)
	if err != nil {
		return sdk.Stream{}, err
	}
	var need []string // a column read carries its cursor and keys
	if opts.IncrementalStrategy == "column" {
		need = append([]string{opts.IncrementalColumn}, opts.IncrementalKey...)
	}
	cols, err := project(all, req.Columns, need)
	if err != nil {
		return sdk.Stream{}, err
	}
	fields := make([]arrow.Field, len(cols))
	for i, col := range cols {
		fields[i] = col.field
	}
	return sdk.Stream{Name: req.Stream, Namespace: req.Namespace, Schema: arrow.NewSchema(fields, nil)}, nil
}
