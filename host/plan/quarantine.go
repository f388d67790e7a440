package plan

import (
	"context"
	"fmt"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
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
	DDL     []string                    `json:"ddl,omitempty"`
	Ref     *connectorv1.TableRef       `json:"-"`
	Schema  *connectorv1.Schema         `json:"-"`
	Changes []*connectorv1.SchemaChange `json:"-"`
}

// planQuarantine resolves the quarantine table of a unit whose contract
// quarantines: its schema (the source's columns, all nullable, and the
// reason columns), and the changes that create or evolve it (additively).
func planQuarantine(ctx context.Context, u *manifest.Unit, sink Catalog, spec *catalog.Spec, cfg []byte,
	table *connectorv1.TableRef, src *connectorv1.Schema) (*Quarantine, error) {
	as, err := logical.ArrowSchema(src)
	if err != nil {
		return nil, err
	}
	qs, err := schema.QuarantineSchema(as)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	sm, err := logical.SchemaMessage(qs)
	if err != nil {
		return nil, err
	}
	q := &Quarantine{Ref: &connectorv1.TableRef{Namespace: table.GetNamespace(), Name: schema.QuarantineTable(table.GetName())}, Schema: sm}
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
	if desc.GetExists() {
		q.State = "exists"
		ev, err := Evolve(u, spec, q.Ref, sm.GetFields(), desc.GetSchema().GetFields(),
			schema.Policy{Mode: schema.ModeAdditive, OnTypeChange: schema.TypeChangeFail})
		if err != nil {
			return nil, err
		}
		q.Changes = v1convert.WireChanges(ev.Changes())
	} else {
		q.State = "absent: created at the first bad row"
		q.Changes = []*connectorv1.SchemaChange{{Op: connectorv1.SchemaChange_OP_CREATE_TABLE,
			Field: &connectorv1.Field{Name: q.Ref.GetName(), Type: &connectorv1.LogicalType{
				Kind: connectorv1.TypeKind_TYPE_KIND_STRUCT, Fields: sm.GetFields()}}}}
	}
	if q.DDL, _, err = ApplyChanges(ctx, sink, cfg, q.Ref, q.Changes, true); err != nil {
		return nil, err
	}
	return q, nil
}
