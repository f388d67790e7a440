package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
)

// ErrSchemaChange means the source changed in a way the unit's
// schema_evolution policy does not allow; nothing was changed.
var ErrSchemaChange = errors.New("schema change refused")

// Policy returns the unit's schema evolution policy
// (sink.options.schema_evolution) with the lineage columns (and scd2's
// history columns) marked as managed by the host, so they never count as missing at the source.
func Policy(u *manifest.Unit) (schema.Policy, error) {
	var m map[string]any
	switch v := u.Sink.Options["schema_evolution"].(type) {
	case nil:
	case map[string]any:
		m = v
	default:
		return schema.Policy{}, fmt.Errorf("unit %s: sink.options.schema_evolution must be a map (mode, on_type_change), got %T", u.ID, v)
	}
	p, err := schema.ParsePolicy(m)
	if err != nil {
		return schema.Policy{}, fmt.Errorf("unit %s: %w", u.ID, err)
	}
	runCol, loadedCol, err := lineageColumns(u)
	if err != nil {
		return schema.Policy{}, err
	}
	for _, c := range append([]string{runCol, loadedCol}, scd2Columns(u)...) {
		if c != "" {
			p.Managed = append(p.Managed, c)
		}
	}
	return p, nil
}

// TargetEvolution describes the target and compares the source fields with
// it. It returns nil when the target is absent or the sink cannot describe
// targets. A refused change returns the evolution and an error wrapping
// ErrSchemaChange that names the column, both types and the option that
// would allow it.
func TargetEvolution(ctx context.Context, u *manifest.Unit, sink Catalog, spec *catalog.Spec,
	cfg []byte, table *catalog.TableRef, fields []*catalog.Field, policy schema.Policy) (*schema.Evolution, error) {
	if !spec.Capabilities.DescribeTarget {
		return nil, nil
	}
	desc, err := sink.DescribeTarget(ctx, cfg, table)
	if err != nil {
		return nil, fmt.Errorf("describe target %s.%s: %w", table.GetNamespace(), table.GetName(), err)
	}
	if !desc.Exists {
		return nil, nil
	}
	return Evolve(u, spec, table, fields, desc.Schema.GetFields(), policy)
}

// Evolve compares the source fields with an existing target's.
func Evolve(u *manifest.Unit, spec *catalog.Spec, table *catalog.TableRef,
	fields, target []*catalog.Field, policy schema.Policy) (*schema.Evolution, error) {
	ev, err := schema.Diff(keysNotNull(u, fields), target, policy)
	if err != nil {
		return ev, fmt.Errorf("%w: unit %s, target %s.%s: %w", ErrSchemaChange, u.ID, table.GetNamespace(), table.GetName(), err)
	}
	if len(ev.Changes()) > 0 && !spec.Capabilities.ApplySchema {
		return ev, fmt.Errorf("%w: unit %s: the target needs schema changes but sink %s cannot apply them", ErrSchemaChange, u.ID, u.Sink.Type)
	}
	return ev, nil
}

// ApplyChanges runs (or with r.DryRun only renders) schema changes in the
// sink; it returns the statements and the sink's notes on columns its
// types cannot hold exactly. No changes is no call.
func ApplyChanges(ctx context.Context, sink Catalog, r *catalog.SchemaRequest) (ddl, lossy []string, err error) {
	if len(r.Changes) == 0 {
		return nil, nil, nil
	}
	ddl, lossy, err = sink.ApplySchema(ctx, r)
	if err != nil {
		return nil, nil, fmt.Errorf("apply schema changes to %s.%s: %w", r.Table.GetNamespace(), r.Table.GetName(), err)
	}
	return ddl, lossy, nil
}

// keysNotNull marks the unique_key columns NOT NULL: a merge key cannot be
// NULL, and a source that does not declare it so (a file, a view, a
// query) must not make the host relax the target's primary key.
func keysNotNull(u *manifest.Unit, fields []*catalog.Field) []*catalog.Field {
	if len(u.Sink.Strategy.UniqueKey) == 0 {
		return fields
	}
	keys := map[string]bool{}
	for _, k := range u.Sink.Strategy.UniqueKey {
		keys[k] = true
	}
	out := make([]*catalog.Field, len(fields))
	for i, f := range fields {
		out[i] = f
		if keys[f.GetName()] && f.GetNullable() {
			out[i] = &catalog.Field{Name: f.GetName(), Type: f.GetType(), Nullable: false}
		}
	}
	return out
}
