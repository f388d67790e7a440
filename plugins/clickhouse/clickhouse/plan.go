package clickhouse

import (
	"context"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.LoadSchemaApplier = (*Connector)(nil)

// ApplySchemaFor is ApplySchema for the load req.For (protocol v1.3).
//
// The sink creates an absent target itself (its schema ops leave out
// create_table): BeginLoad creates staging with createDDL, the physical
// design of the load's mode and sink.options, and the commit renames
// staging to the target (full_refresh, replace, snapshot_diff) or creates
// the target AS staging (the other modes). For dpone plan the host sends
// a dry-run create_table of the absent target, which is answered with
// that same CREATE TABLE under the target's name, without staging's load
// marker comment: the table the commit leaves (TestPlanCreateIsRun runs
// both and compares ClickHouse's create_table_query). A create_table that
// is not a plan's dry run for a load is refused, as before v1.3.
func (c *Connector) ApplySchemaFor(ctx context.Context, req sdk.SchemaRequest) ([]string, error) {
	i := slices.IndexFunc(req.Changes, func(ch sdk.SchemaChange) bool { return ch.Op == sdk.OpCreateTable })
	if i < 0 {
		return c.ApplySchema(ctx, req.Config, req.Table, req.Changes, req.DryRun)
	}
	create := req.Changes[i]
	if !req.DryRun || len(req.Changes) != 1 || req.For.Mode == "" || create.Schema == nil {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "create_table %s: the clickhouse sink creates absent targets itself at BeginLoad, with the physical design of sink.options (only dpone plan asks for that CREATE, as a dry run)", req.Table.Name)
	}
	r := req.For
	r.Config, r.Target, r.LoadID = req.Config, req.Table, "plan"
	r.Schema = withoutHostColumns(create.Schema, r)
	l, err := c.prepare(ctx, r)
	if err != nil {
		return nil, err
	}
	ddl, err := l.createDDL(req.Table.Name, "")
	if err != nil {
		return nil, err
	}
	return []string{ddl}, nil
}

// withoutHostColumns is a create_table schema without the columns the
// load adds itself (createDDL appends them): lineage and the soft-delete
// stamp.
func withoutHostColumns(s *arrow.Schema, r sdk.LoadRequest) *arrow.Schema {
	host := []string{}
	if lg := r.Load.Lineage; lg != nil && lg.RunIDColumn != "" && lg.LoadedAtColumn != "" {
		host = append(host, lg.RunIDColumn, lg.LoadedAtColumn)
	}
	if st, err := r.Strategy(); err == nil && st.SoftDeletes() {
		host = append(host, sdk.DeletedAtColumn)
	}
	fields := make([]arrow.Field, 0, s.NumFields())
	for _, f := range s.Fields() {
		if !slices.Contains(host, f.Name) {
			fields = append(fields, f)
		}
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md)
}
