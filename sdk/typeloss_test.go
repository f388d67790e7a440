package sdk

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// lossyDest renders DDL and reports nanosecond timestamps as lossy.
type lossyDest struct{}

func (lossyDest) Spec() Spec { return Spec{Name: "lossy", Version: "0.1.0"} }

func (lossyDest) ApplySchema(context.Context, json.RawMessage, TableRef, []SchemaChange, bool) ([]string, error) {
	return []string{"CREATE TABLE t (...)"}, nil
}

func (lossyDest) TypeLoss(f arrow.Field) string {
	if ts, ok := f.Type.(*arrow.TimestampType); ok && ts.Unit == arrow.Nanosecond {
		return "nanoseconds are truncated"
	}
	return ""
}

func TestApplySchemaReportsTypeLoss(t *testing.T) {
	s := newServer(lossyDest{}, nil)
	fields := []*connectorv1.Field{
		{Name: "id", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INT64}},
		{Name: "at", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_TIMESTAMP, Precision: 9}},
	}
	resp, err := s.ApplySchema(context.Background(), &connectorv1.ApplySchemaRequest{DryRun: true,
		Changes: []*connectorv1.SchemaChange{{Op: connectorv1.SchemaChange_OP_CREATE_TABLE,
			Field: &connectorv1.Field{Name: "t", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRUCT, Fields: fields}}}}})
	if err != nil || resp.GetError() != nil {
		t.Fatalf("ApplySchema: %v %v", err, resp.GetError())
	}
	if diff := cmp.Diff([]string{"column at: nanoseconds are truncated"}, resp.GetLossy()); diff != "" {
		t.Errorf("lossy (-want +got):\n%s", diff)
	}
}
