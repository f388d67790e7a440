package v1convert

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

func TestFieldsRoundTrip(t *testing.T) {
	three := int32(3)
	in := []*connectorv1.Field{
		{Name: "id", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INT64}, PrimaryKeyPosition: 1},
		{Name: "amount", Nullable: true, Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING,
			Precision: 40, Scale: 2, DecimalText: true, Native: "numeric(40,2)"}},
		{Name: "at", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_TIMESTAMP, Precision: 6,
			WithTimeZone: true, FractionDigits: &three}},
		{Name: "code", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING, MaxLength: 3, FixedLength: true}},
		{Name: "doc", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_JSON, JsonBinary: true}},
		{Name: "money", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING, TextForm: true, Native: "money"}},
		{Name: "tags", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_MAP,
			Key:     &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING},
			Element: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_LIST, Element: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_UUID}}}},
		{Name: "pt", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRUCT, Fields: []*connectorv1.Field{
			{Name: "x", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_FLOAT64}}}}},
		{Name: "untyped"},
	}
	got := WireFields(Fields(in))
	if len(got) != len(in) {
		t.Fatalf("got %d fields, want %d", len(got), len(in))
	}
	for i := range in {
		if !proto.Equal(got[i], in[i]) {
			t.Errorf("field %d: got %v, want %v", i, got[i], in[i])
		}
	}
}

func TestEveryKindMaps(t *testing.T) {
	for v := range connectorv1.TypeKind_name {
		k := connectorv1.TypeKind(v)
		d, ok := kinds[k]
		if !ok {
			t.Errorf("wire kind %v has no domain kind", k)
			continue
		}
		if back := wireKinds[d]; back != k {
			t.Errorf("kind %v: round trip got %v", k, back)
		}
		if got, want := d.String(), logical.KindName(k); got != want {
			t.Errorf("kind %v: got name %q, want %q", k, got, want)
		}
	}
	for v := range connectorv1.SchemaChange_Op_name {
		if _, ok := ops[connectorv1.SchemaChange_Op(v)]; !ok {
			t.Errorf("wire op %v has no domain op", connectorv1.SchemaChange_Op(v))
		}
	}
	for v := range connectorv1.SourceMode_name {
		if _, ok := sourceModes[connectorv1.SourceMode(v)]; !ok {
			t.Errorf("wire source mode %v has no domain mode", connectorv1.SourceMode(v))
		}
	}
}

func TestSpecRoundTrip(t *testing.T) {
	in := &connectorv1.GetSpecResponse{Name: "pg", Version: "1.2.0", ProtocolVersion: 1, ConfigSchemaJson: `{}`,
		Description: "d", SourceOptionsSchemaJson: `{"type":"object"}`, SdkVersion: "v0.1.0",
		Capabilities: &connectorv1.Capabilities{Source: true, Destination: true,
			SourceModes: []connectorv1.SourceMode{connectorv1.SourceMode_SOURCE_MODE_FULL, connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL},
			SinkModes:   []string{"full_refresh"}, IncrementalStrategies: []string{"column"}, ParallelPartitions: true,
			AtomicReceipts: true, DescribeTarget: true, ApplySchema: true, Check: true, Transactions: true, LoadStatus: true,
			SchemaOps: []string{"add_column"}, DescribeStream: true, TypedOptions: true, Fencing: true,
			SourcePayloadFormats: []string{"pg-binary-copy"}, SinkPayloadFormats: []string{"pg-binary-copy"}, CursorRange: true}}
	if got := WireSpec(Spec(in)); !proto.Equal(got, in) {
		t.Errorf("got %v, want %v", got, in)
	}
}

// A v1.0 connector sends no v1.1 capability flags: the host reads them as
// absent, never as an error.
func TestSpecFromOlderMinor(t *testing.T) {
	got := Spec(&connectorv1.GetSpecResponse{Name: "old", ProtocolVersion: 1})
	if got.Capabilities.TypedOptions || got.Capabilities.Fencing || got.SDKVersion != "" {
		t.Errorf("got %+v, want no v1.1 capabilities", got)
	}
}

func TestChangesRoundTrip(t *testing.T) {
	in := []*connectorv1.SchemaChange{
		{Op: connectorv1.SchemaChange_OP_CREATE_TABLE, PrimaryKey: []string{"id"}},
		{Op: connectorv1.SchemaChange_OP_WIDEN_TYPE, Field: &connectorv1.Field{Name: "n", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INT64}},
			From: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INT32}},
	}
	got := WireChanges(Changes(in))
	for i := range in {
		if !proto.Equal(got[i], in[i]) {
			t.Errorf("change %d: got %v, want %v", i, got[i], in[i])
		}
	}
	if got := Change(in[1]).Op; got != catalog.OpWidenType {
		t.Errorf("got %v, want %v", got, catalog.OpWidenType)
	}
}

func TestStreamRoundTrip(t *testing.T) {
	in := &connectorv1.Stream{Name: "orders", Namespace: "public", PrimaryKey: []string{"id"}, CursorCandidates: []string{"updated_at"},
		RowEstimate: 10, ByteEstimate: 100, Schema: &connectorv1.Schema{ArrowSchema: []byte{1, 2},
			Fields: []*connectorv1.Field{{Name: "id", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INT64}}}}}
	if got := WireStream(Stream(in)); !proto.Equal(got, in) {
		t.Errorf("got %v, want %v", got, in)
	}
	tgt := Target(&connectorv1.DescribeTargetResponse{Exists: true, Schema: in.Schema, PrimaryKey: []string{"id"}})
	if !tgt.Exists || len(tgt.Schema.Fields) != 1 || tgt.PrimaryKey[0] != "id" {
		t.Errorf("got target %+v, want exists with one field and key id", tgt)
	}
}
