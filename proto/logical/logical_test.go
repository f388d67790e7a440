package logical

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestTypeDetailsRoundTrip: what a source says of a type beyond its Arrow
// type (char(n), jsonb, numeric text, text forms, fraction digits, key
// positions) survives Arrow -> protocol -> Arrow -> protocol.
func TestTypeDetailsRoundTrip(t *testing.T) {
	md := func(kv ...string) arrow.Metadata {
		var k, v []string
		for i := 0; i < len(kv); i += 2 {
			k, v = append(k, kv[i]), append(v, kv[i+1])
		}
		return arrow.NewMetadata(k, v)
	}
	str := arrow.BinaryTypes.String
	tests := []struct {
		field arrow.Field
		want  *connectorv1.Field
	}{
		{arrow.Field{Name: "c", Type: str, Metadata: md(MetaNative, "character(3)", MetaMaxLength, "3", MetaFixedLength, "true", MetaPrimaryKey, "2")},
			&connectorv1.Field{Name: "c", PrimaryKeyPosition: 2, Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING, MaxLength: 3, FixedLength: true, Native: "character(3)"}}},
		{arrow.Field{Name: "j", Type: str, Nullable: true, Metadata: md(MetaLogical, LogicalJSON, MetaJSONBinary, "true")},
			&connectorv1.Field{Name: "j", Nullable: true, Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_JSON, JsonBinary: true}}},
		{arrow.Field{Name: "n", Type: str, Metadata: md(MetaDecimalText, "50,2")},
			&connectorv1.Field{Name: "n", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING, DecimalText: true, Precision: 50, Scale: 2}}},
		{arrow.Field{Name: "u", Type: str, Metadata: md(MetaDecimalText, "0,0")},
			&connectorv1.Field{Name: "u", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING, DecimalText: true}}},
		{arrow.Field{Name: "m", Type: str, Metadata: md(MetaNative, "money", MetaTextForm, "true")},
			&connectorv1.Field{Name: "m", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING, TextForm: true, Native: "money"}}},
		{arrow.Field{Name: "i", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Metadata: md(MetaFractionDigits, "6")},
			&connectorv1.Field{Name: "i", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INTERVAL, FractionDigits: proto.Int32(6)}}},
		{arrow.Field{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Metadata: md(MetaFractionDigits, "0")},
			&connectorv1.Field{Name: "t", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_TIMESTAMP, Precision: 6, FractionDigits: proto.Int32(0)}}},
		{arrow.Field{Name: "v", Type: str, Metadata: md(MetaFixedLength, "true")}, // no length: not fixed
			&connectorv1.Field{Name: "v", Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_STRING}}},
	}
	for _, tt := range tests {
		got, err := FieldFromArrow(tt.field)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
			t.Errorf("%s: FieldFromArrow (-want +got):\n%s", tt.field.Name, diff)
		}
		back, err := FieldToArrow(got)
		if err != nil {
			t.Fatal(err)
		}
		again, err := FieldFromArrow(back)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, again, protocmp.Transform()); diff != "" {
			t.Errorf("%s: after FieldToArrow (-want +got):\n%s", tt.field.Name, diff)
		}
	}
}
