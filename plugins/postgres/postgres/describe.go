package postgres

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.StreamDescriber = (*Connector)(nil)

// DescribeStream returns the schema a Read with req would produce without
// reading rows: a table's columns, or a query's (described, not run), with
// the same projection and column plans as Read. Plans use it, so a query
// source is planned as precisely as a table.
func (c *Connector) DescribeStream(ctx context.Context, req sdk.ReadRequest) (sdk.Stream, error) {
	opts, err := parseReadOptions(req.Options)
	if err != nil {
		return sdk.Stream{}, err
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return sdk.Stream{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	st := sdk.Stream{Name: req.Stream, Namespace: req.Namespace}
	var cols []pgColumn
	if opts.Query != "" {
		if cols, err = describeQuery(ctx, conn, opts.Query); err != nil {
			return sdk.Stream{}, err
		}
	} else {
		if req.Stream == "" {
			return sdk.Stream{}, sdk.Errorf(sdk.CodeConfig, "postgres source: no stream (table) and no query option")
		}
		rel, err := lookupTable(ctx, conn, req.Namespace, req.Stream)
		if err != nil {
			return sdk.Stream{}, err
		}
		cols, st.PrimaryKey, st.RowEstimate, st.ByteEstimate = rel.Columns, rel.PK, rel.Rows, rel.Bytes
	}
	if cols, err = project(cols, req.Columns, nil); err != nil {
		return sdk.Stream{}, err
	}
	plans := planColumns(cols)
	fields := make([]arrow.Field, len(cols))
	for i, p := range plans {
		fields[i] = p.field
	}
	st.Schema = arrow.NewSchema(fields, nil)
	st.PayloadFormats = payloadFormats(plans)
	return st, nil
}
