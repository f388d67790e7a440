package bigquery

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// DescribeStream returns the stream a Read with req produces (a query's
// schema comes from a dry run), without reading rows: plans use it.
func (c *Connector) DescribeStream(ctx context.Context, req sdk.ReadRequest) (sdk.Stream, error) {
	s, err := resolveSource(req)
	if err != nil {
		return sdk.Stream{}, err
	}
	svc, err := newBQService(ctx, s.cfg)
	if err != nil {
		return sdk.Stream{}, err
	}
	p, err := planQuery(ctx, svc, s)
	if err != nil {
		return sdk.Stream{}, err
	}
	schema := p.schema
	if cols, _ := project(schema, req.Columns, nil); len(cols) > 0 {
		var keep []int
		for _, c := range cols {
			keep = append(keep, schema.FieldIndices(c)[0])
		}
		schema = subSchema(schema, keep)
	}
	return sdk.Stream{Namespace: s.table.Namespace, Name: s.table.Name, Schema: schema,
		CursorCandidates: sdk.CursorCandidates(schema), RowEstimate: p.rows}, nil
}

// subSchema keeps the fields at idx, in that order.
func subSchema(s *arrow.Schema, idx []int) *arrow.Schema {
	fields := make([]arrow.Field, len(idx))
	for i, j := range idx {
		fields[i] = s.Field(j)
	}
	return arrow.NewSchema(fields, nil)
}
