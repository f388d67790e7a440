package kafka

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/dpone-go/dpone/sdk"
)

// TestProtobufSinkRoundTrip: the sink with format protobuf registers a
// proto3 schema (nullable columns optional, timestamps
// google.protobuf.Timestamp, dates google.type.Date, lists repeated)
// under <topic>-value and publishes Confluent-framed Protobuf; a read with
// format protobuf gets the values back, NULL apart from zero, decimals
// and json as their text.
func TestProtobufSinkRoundTrip(t *testing.T) {
	reg, url := newTestRegistry(t, "", "")
	topic := testTopic("proto_rt")
	ctx := context.Background()
	req := sinkLoad(t, topic, "load-proto-"+topic, sdk.ModeAppend, []string{"id"}, `{"format":"protobuf"}`)
	req.Config, req.Schema = avroConfig(t, url, nil), avroSinkSchema
	c := New().(*Connector)
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	rec := avroSinkRecord(t)
	defer rec.Release()
	if _, err := c.Write(ctx, req, &records{rec: rec}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CommitLoad(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	if ids := reg.subjects[topic+"-value"]; len(ids) != 1 || reg.schemas[ids[0]-1].SchemaType != "PROTOBUF" {
		t.Fatalf("subject %s-value: got %v, want one PROTOBUF version", topic, ids)
	}
	out, err := readAvro(t, url, topic, `{"format":"protobuf","envelope":false,"headers":false}`)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out.rows, func(i, j int) bool { return out.rows[i]["id"].(int64) < out.rows[j]["id"].(int64) })
	want := []map[string]any{
		{"id": int64(1), "small": int32(-7), "name": "é ü", "price": "1.5", "at": "2026-01-02T03:04:05.123456Z",
			"day": "2026-01-02", "tags": json.RawMessage(`["a","b"]`), "doc": `{"x": 22.00}`, "ok": true, "raw": []byte{0, 1, 255},
			"_dpone_run_id": "run-1", "_dpone_loaded_at": "2026-12-04T10:00:00Z", colError: nil},
		{"id": int64(2), "small": nil, "name": nil, "price": nil, "at": nil, "day": nil, "tags": json.RawMessage(`[]`), "doc": nil,
			"ok": nil, "raw": nil, "_dpone_run_id": "run-1", "_dpone_loaded_at": "2026-12-04T10:00:00Z", colError: nil},
	}
	if d := cmp.Diff(want, out.rows); d != "" {
		t.Errorf("rows read back (-want +got):\n%s", d)
	}
	for name, typ := range map[string]arrow.DataType{"price": avroSinkSchema.Field(3).Type, "at": avroSinkSchema.Field(4).Type, "day": arrow.FixedWidthTypes.Date32,
		"tags": arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.BinaryTypes.String, Nullable: true})} {
		f, _ := out.schema.FieldsByName(name)
		if !arrow.TypeEqual(f[0].Type, typ) {
			t.Errorf("column %s: got %s, want %s", name, f[0].Type, typ)
		}
	}
	// An avro subject is not read as protobuf.
	avroTopic := testTopic("proto_vs_avro")
	createTestTopic(t, avroTopic, 1)
	produceAvro(t, url, avroTopic, &orderV1{ID: 1})
	if _, err := readAvro(t, url, avroTopic, `{"format":"protobuf"}`); sdk.CodeOf(err) != sdk.CodeSchema || !strings.Contains(err.Error(), "AVRO") {
		t.Errorf("avro subject read as protobuf: got %v, want SCHEMA naming AVRO", err)
	}
}

// TestProtobufReferences: a subject whose schema imports another subject's
// file (a schema reference) is read with the referenced file resolved
// from the registry: the columns come from the message, the imported
// message type as json text.
func TestProtobufReferences(t *testing.T) {
	_, url := newTestRegistry(t, "", "")
	cfg, err := decodeConfig(avroConfig(t, url, nil))
	if err != nil {
		t.Fatal(err)
	}
	client, err := registryClient(cfg, formatProtobuf)
	if err != nil {
		t.Fatal(err)
	}
	money := `syntax = "proto3";
package shop.common;
message Money { string currency = 1; int64 units = 2; }
`
	if _, err := client.Register("shop.common.Money", schemaregistry.SchemaInfo{Schema: money, SchemaType: "PROTOBUF"}, false); err != nil {
		t.Fatal(err)
	}
	topic := testTopic("proto_refs")
	order := `syntax = "proto3";
package shop;
import "shop/common/money.proto";
message Order { int64 id = 1; shop.common.Money total = 2; optional string note = 3; }
`
	info := schemaregistry.SchemaInfo{Schema: order, SchemaType: "PROTOBUF",
		References: []schemaregistry.Reference{{Name: "shop/common/money.proto", Subject: "shop.common.Money", Version: 1}}}
	if _, err := client.Register(valueSubject(topic), info, false); err != nil {
		t.Fatal(err)
	}
	md, err := protoLatest(cfg, topic)
	if err != nil {
		t.Fatalf("latest schema with a reference: %v", err)
	}
	got := map[string]string{}
	for _, f := range protoFields(md) {
		got[f.Name] = f.Type.String()
		if isJSONField(f) {
			got[f.Name] += " json"
		}
	}
	if want := map[string]string{"id": "int64", "total": "utf8 json", "note": "utf8"}; !cmp.Equal(got, want) {
		t.Errorf("columns: got %v, want %v", got, want)
	}
}

// TestProtobufWrappers: google.protobuf wrapper fields (a foreign
// producer's way to say NULL) read as their scalars, NULL when unset.
func TestProtobufWrappers(t *testing.T) {
	_, url := newTestRegistry(t, "", "")
	cfg, err := decodeConfig(avroConfig(t, url, nil))
	if err != nil {
		t.Fatal(err)
	}
	client, err := registryClient(cfg, formatProtobuf)
	if err != nil {
		t.Fatal(err)
	}
	topic := testTopic("proto_wrappers")
	text := `syntax = "proto3";
package shop;
import "google/protobuf/wrappers.proto";
message Item { int64 id = 1; google.protobuf.Int64Value qty = 2; google.protobuf.StringValue label = 3; google.protobuf.BoolValue ok = 4; }
`
	id, err := client.Register(valueSubject(topic), schemaregistry.SchemaInfo{Schema: text, SchemaType: "PROTOBUF"}, false)
	if err != nil {
		t.Fatal(err)
	}
	md, err := protoLatest(cfg, topic)
	if err != nil {
		t.Fatal(err)
	}
	fields := protoFields(md)
	types := map[string]string{}
	for _, f := range fields {
		types[f.Name] = fmt.Sprintf("%s %v", f.Type, f.Nullable)
	}
	if want := map[string]string{"id": "int64 false", "qty": "int64 true", "label": "utf8 true", "ok": "bool true"}; !cmp.Equal(types, want) {
		t.Fatalf("columns: got %v, want %v", types, want)
	}
	// Confluent framing: magic byte, schema id, message index 0, the message.
	frame := func(set func(m *dynamicpb.Message)) []byte {
		m := dynamicpb.NewMessage(md)
		set(m)
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), append([]byte{0}, b...)...)
	}
	wrap := func(m *dynamicpb.Message, name string, v protoreflect.Value) {
		fd := md.Fields().ByName(protoreflect.Name(name))
		w := dynamicpb.NewMessage(fd.Message())
		w.Set(fd.Message().Fields().ByNumber(1), v)
		m.Set(fd, protoreflect.ValueOfMessage(w))
	}
	dec, err := newProtoDecoder(cfg, topic, md)
	if err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema(fields, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	bs := make([]array.Builder, len(fields))
	for i := range bs {
		bs[i] = rb.Field(i)
	}
	dec.bind(fields, bs)
	for _, v := range [][]byte{
		frame(func(m *dynamicpb.Message) {
			m.Set(md.Fields().ByName("id"), protoreflect.ValueOfInt64(1))
			wrap(m, "qty", protoreflect.ValueOfInt64(0))
			wrap(m, "label", protoreflect.ValueOfString("a"))
			wrap(m, "ok", protoreflect.ValueOfBool(false))
		}),
		frame(func(m *dynamicpb.Message) { m.Set(md.Fields().ByName("id"), protoreflect.ValueOfInt64(2)) }),
	} {
		if err := dec.decode(v); err != nil {
			t.Fatal(err)
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var got []string
	for i := range int(rec.NumRows()) {
		for c := range rec.Columns() {
			got = append(got, rec.Column(c).ValueStr(i))
		}
	}
	if want := []string{"1", "0", "a", "false", "2", "(null)", "(null)", "(null)"}; !cmp.Equal(got, want) {
		t.Errorf("values: got %v, want %v", got, want)
	}
}
