package duckdb

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.TypeLossReporter = (*Connector)(nil)

// TypeLoss names what the DuckDB type of f cannot hold exactly (plans
// show it), or "" when the mapping is lossless. It is the note of
// mapType, the map that renders the DDL, for a database with the json
// extension (the default).
func (*Connector) TypeLoss(f arrow.Field) string {
	_, loss, err := typeMapper{jsonType: "JSON"}.mapType(f.Type, f.Metadata)
	if err != nil {
		return err.Error()
	}
	return loss
}
