package kafka

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

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
	for name, typ := range map[string]arrow.DataType{"at": avroSinkSchema.Field(4).Type, "day": arrow.FixedWidthTypes.Date32,
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
