package v1convert

import (
	"slices"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

var ops = map[connectorv1.SchemaChange_Op]catalog.Op{
	connectorv1.SchemaChange_OP_UNSPECIFIED:   catalog.OpUnspecified,
	connectorv1.SchemaChange_OP_ADD_COLUMN:    catalog.OpAddColumn,
	connectorv1.SchemaChange_OP_WIDEN_TYPE:    catalog.OpWidenType,
	connectorv1.SchemaChange_OP_DROP_NOT_NULL: catalog.OpDropNotNull,
	connectorv1.SchemaChange_OP_CREATE_TABLE:  catalog.OpCreateTable,
}

var wireOps = invert(ops)

// Change converts a v1 schema change; nil stays nil.
func Change(c *connectorv1.SchemaChange) *catalog.SchemaChange {
	if c == nil {
		return nil
	}
	return &catalog.SchemaChange{Op: ops[c.GetOp()], Field: Field(c.GetField()), From: Type(c.GetFrom()),
		PrimaryKey: slices.Clone(c.GetPrimaryKey())}
}

// WireChange converts a schema change to v1; nil stays nil.
func WireChange(c *catalog.SchemaChange) *connectorv1.SchemaChange {
	if c == nil {
		return nil
	}
	return &connectorv1.SchemaChange{Op: wireOps[c.Op], Field: WireField(c.Field), From: WireType(c.From),
		PrimaryKey: slices.Clone(c.PrimaryKey)}
}

// Changes converts v1 schema changes; nil stays nil.
func Changes(cs []*connectorv1.SchemaChange) []*catalog.SchemaChange {
	if cs == nil {
		return nil
	}
	out := make([]*catalog.SchemaChange, len(cs))
	for i, c := range cs {
		out[i] = Change(c)
	}
	return out
}

// WireChanges converts schema changes to v1; nil stays nil.
func WireChanges(cs []*catalog.SchemaChange) []*connectorv1.SchemaChange {
	if cs == nil {
		return nil
	}
	out := make([]*connectorv1.SchemaChange, len(cs))
	for i, c := range cs {
		out[i] = WireChange(c)
	}
	return out
}

// Table converts a v1 table reference; nil stays nil.
func Table(t *connectorv1.TableRef) *catalog.TableRef {
	if t == nil {
		return nil
	}
	return &catalog.TableRef{Namespace: t.GetNamespace(), Name: t.GetName()}
}

// WireTable converts a table reference to v1; nil stays nil.
func WireTable(t *catalog.TableRef) *connectorv1.TableRef {
	if t == nil {
		return nil
	}
	return &connectorv1.TableRef{Namespace: t.Namespace, Name: t.Name}
}
