package clickhouse

import (
	"context"
	"encoding/json"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// DescribeTarget reports the schema of an existing table as the source
// reads it, and its key (the sorting key of a ReplacingMergeTree); exists
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
	}
	return arrow.NewSchema(fields, nil), t.key(), true, nil
}
