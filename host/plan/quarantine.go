package plan

import (
	"context"
	"fmt"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
)

// Quarantine is the plan of a unit's quarantine load (enforcement
// quarantine): bad rows, with their reasons, appended to
// <table>__quarantine. Run applies Changes when the first bad row comes,
// so a load without bad rows leaves no quarantine table behind.
type Quarantine struct {
	Table string `json:"table"`
	// State is "exists" or "absent: created at the first bad row".
	State string `json:"target_state"`
	// DDL is what the sink runs for Changes, as it rendered it.
	DDL     []string                `json:"ddl,omitempty"`
	Ref     *catalog.TableRef       `json:"-"`
	Schema  *catalog.Schema         `json:"-"`
	Changes []*catalog.SchemaChange `json:"-"`
}

// planQuarantine resolves the quarantine table of a unit whose contract
// quarantines: its schema (the source's columns, all nullable, and the
// reason columns), and the changes that create or evolve it (additively).
func planQuarantine(ctx context.Context, u *manifest.Unit, sink Catalog, spec *catalog.Spec, cfg []byte,
	table *catalog.TableRef, src *catalog.Schema) (*Quarantine, error) {
	as, err := v1convert.ArrowSchema(src)
	if err != nil {
		return nil, err
	}
	qs, err := schema.QuarantineSchema(as)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	sm, err := v1convert.SchemaFromArrow(qs)
	if err != nil {
		return nil, err
	}
	q := &Quarantine{Ref: &catalog.TableRef{Namespace: table.GetNamespace(), Name: schema.QuarantineTable(table.GetName())}, Schema: sm}
	q.Table = q.Ref.GetNamespace() + "." + q.Ref.GetName()
	caps := spec.Capabilities
	if !caps.DescribeTarget || !caps.ApplySchema {
		q.State = "created by the sink at the first bad row"
		return q, nil
	}
	desc, err := sink.DescribeTarget(ctx, cfg, q.Ref)
	if err != nil {
		return nil, fmt.Errorf("describe quarantine table %s: %w", q.Table, err)
	}
	if desc.Exists {
		q.State = "exists"
		ev, err := Evolve(u, spec, q.Ref, sm.GetFields(), desc.Schema.GetFields(),
			schema.Policy{Mode: schema.ModeAdditive, OnTypeChange: schema.TypeChangeFail})
		if err != nil {
			return nil, err
		}
		q.Changes = ev.Changes()
	} else if !createsTargets(caps) {
		q.State = "absent: created by the sink at the first bad row"
		return q, nil
	} else {
		q.State = "absent: created at the first bad row"
		q.Changes = []*catalog.SchemaChange{{Op: catalog.OpCreateTable,
			Field: &catalog.Field{Name: q.Ref.GetName(), Type: &catalog.LogicalType{
				Kind: catalog.KindStruct, Fields: sm.GetFields()}}}}
	}
	if q.DDL, _, err = ApplyChanges(ctx, sink, &catalog.SchemaRequest{ConfigJSON: cfg, Table: q.Ref, Changes: q.Changes, DryRun: true}); err != nil {
		return nil, err
	}
	return q, nil
}
