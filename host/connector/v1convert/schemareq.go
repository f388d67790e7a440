package v1convert

import (
	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// WireSchemaRequest converts an ApplySchema request to v1. Of the load the
// changes are for, only its mode, unique key, typed options and the
// sink's own options travel (protocol v1.3): never its config twice, its
// load id or its schema.
func WireSchemaRequest(r *catalog.SchemaRequest) *connectorv1.ApplySchemaRequest {
	out := &connectorv1.ApplySchemaRequest{ConfigJson: r.ConfigJSON, Table: WireTable(r.Table),
		Changes: WireChanges(r.Changes), DryRun: r.DryRun}
	if f := r.For; f != nil {
		out.Mode, out.UniqueKey = f.Mode, f.UniqueKey
		out.Load, out.OptionsJson = wireLoadOptions(f.Load), f.OptionsJSON
	}
	return out
}
