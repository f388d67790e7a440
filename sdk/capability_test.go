package sdk

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// schemaDest is a destination that renders schema changes.
type schemaDest struct{ stateDest }

func (schemaDest) ApplySchema(context.Context, json.RawMessage, TableRef, []SchemaChange, bool) ([]string, error) {
	return nil, nil
}

// TestCapabilitiesSchemaOps: a SchemaApplier advertises every schema op
// unless its Spec lists the ones it renders.
func TestCapabilitiesSchemaOps(t *testing.T) {
	all := capabilities(schemaDest{}, Spec{}).GetSchemaOps()
	if want := []string{"create_table", "add_column", "widen_type", "drop_not_null"}; strings.Join(all, ",") != strings.Join(want, ",") {
		t.Errorf("schema ops without Spec.SchemaOps: got %v, want %v", all, want)
	}
	some := capabilities(schemaDest{}, Spec{SchemaOps: []SchemaOp{OpAddColumn, OpWidenType}}).GetSchemaOps()
	if strings.Join(some, ",") != "add_column,widen_type" {
		t.Errorf("schema ops with Spec.SchemaOps: got %v, want [add_column widen_type]", some)
	}
}
