package kafka

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// avroConfig is the test broker's config with a Schema Registry.
func avroConfig(t testing.TB, registryURL string, extra map[string]any) json.RawMessage {
	m := map[string]any{"brokers": testBrokers(t), "timeout": "20s", "schema_registry_url": registryURL}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// readAvro reads topic with format avro from the registry at url.
func readAvro(t *testing.T, url, topic, opts string) (*collector, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := &collector{}
	err := New().(*Connector).Read(ctx, sdk.ReadRequest{Config: avroConfig(t, url, nil), Stream: topic, Mode: sdk.ReadFull,
		Options: json.RawMessage(opts)}, out)
	return out, err
}

// Order v1 and v2 are what a plain producer (not dpone) writes with
// confluent-kafka-go's avrov2 serializer from Go structs; v2 adds a field
// with a default (a backward-compatible change).
type orderV1 struct {
	ID    int64   `avro:"id"`
	Name  string  `avro:"name"`
	Price float64 `avro:"price"`
}

type orderV2 struct {
	ID    int64   `avro:"id"`
	Name  string  `avro:"name"`
	Price float64 `avro:"price"`
	Note  *string `avro:"note"`
}

// produceAvro serializes values with a plain avrov2 serializer (auto
// registration, the client's defaults) and produces them to partition 0.
func produceAvro(t *testing.T, url, topic string, values ...any) {
	t.Helper()
	client, err := schemaregistry.NewClient(schemaregistry.NewConfig(url))
	if err != nil {
		t.Fatal(err)
	}
	ser, err := avrov2.NewSerializer(client, serde.ValueSerde, avrov2.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	var msgs []testMessage
	for _, v := range values {
		if s, ok := v.(string); ok { // a poison message, as it is
			msgs = append(msgs, testMessage{Value: s})
			continue
		}
		b, err := ser.Serialize(topic, v)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, testMessage{Value: string(b)})
	}
	produceTest(t, topic, msgs, "", false)
}

// TestAvroReadsFieldsOfAPlainProducer: Avro values another producer wrote
// (two schema versions and a message that is not Avro) decode into their
// fields as columns with their values — not empty objects or NULLs, a
// peer's bug —, the older version's rows with NULL in the added field,
// the poison message as a row with the reason in _kafka_error.
func TestAvroReadsFieldsOfAPlainProducer(t *testing.T) {
	reg, url := newTestRegistry(t, "", "")
	topic := testTopic("avro_plain")
	createTestTopic(t, topic, 1)
	note := "fragile"
	produceAvro(t, url, topic, &orderV1{ID: 1, Name: "lamp", Price: 9.5})
	produceAvro(t, url, topic, &orderV2{ID: 2, Name: "vase", Price: 20, Note: &note}, "not avro")
	out, err := readAvro(t, url, topic, `{"format":"avro","headers":false}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fieldNames(out.schema)[:5], []string{"id", "name", "price", "note", colError}; !cmp.Equal(got, want) {
		t.Fatalf("columns: got %v, want %v first", got, want)
	}
	for name, want := range map[string][]any{
		"id":    {int64(1), int64(2), nil},
		"name":  {"lamp", "vase", nil},
		"price": {9.5, 20.0, nil},
		"note":  {nil, "fragile", nil},
	} {
		if got := out.column(name); !cmp.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	errs := out.column(colError)
	if errs[0] != nil || errs[1] != nil {
		t.Errorf("%s of good rows: got %v, want nil", colError, errs[:2])
	}
	if s, _ := errs[2].(string); !strings.Contains(s, "partition 0 offset 2") || !strings.Contains(s, "not avro") {
		t.Errorf("%s of the poison row: got %v, want its offset and reason", colError, errs[2])
	}
	if reg.count("GET /subjects/"+topic+"-value/versions/latest") == 0 {
		t.Errorf("the read never asked the registry for the latest schema of %s-value", topic)
	}
}

var avroSinkSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "small", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "doc", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: jsonMeta},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "raw", Type: arrow.BinaryTypes.Binary, Nullable: true},
}, nil)

func avroSinkRecord(t *testing.T) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, avroSinkSchema)
	defer b.Release()
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	b.Field(1).(*array.Int16Builder).AppendValues([]int16{-7, 0}, []bool{true, false})
	b.Field(2).(*array.StringBuilder).AppendValues([]string{"é ü", ""}, []bool{true, false})
	b.Field(3).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(15000), {}}, []bool{true, false})
	b.Field(4).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(at.UnixMicro()), 0}, []bool{true, false})
	b.Field(5).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(at), 0}, []bool{true, false})
	lb := b.Field(6).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	lb.AppendNull()
	b.Field(7).(*array.StringBuilder).AppendValues([]string{`{"x": 22.00}`, ""}, []bool{true, false})
	b.Field(8).(*array.BooleanBuilder).AppendValues([]bool{true, false}, []bool{true, false})
	b.Field(9).(*array.BinaryBuilder).AppendValues([][]byte{{0, 1, 255}, nil}, []bool{true, false})
	return b.NewRecordBatch()
}

// TestAvroSinkRoundTrip: the sink with format avro registers the load's
// value schema (columns and lineage) under <topic>-value and publishes
// Confluent-framed Avro; a read with format avro gets every value back
// with its type (decimal, timestamp, date, list, json, bytes, NULLs).
func TestAvroSinkRoundTrip(t *testing.T) {
	reg, url := newTestRegistry(t, "", "")
	topic := testTopic("avro_rt")
	ctx := context.Background()
	req := sinkLoad(t, topic, "load-avro-"+topic, sdk.ModeAppend, []string{"id"}, `{"format":"avro"}`)
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
	if n := len(reg.subjects[topic+"-value"]); n != 1 {
		t.Fatalf("versions of %s-value: got %d, want 1", topic, n)
	}
	out, err := readAvro(t, url, topic, `{"format":"avro","envelope":false,"headers":false}`)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out.rows, func(i, j int) bool { return out.rows[i]["id"].(int64) < out.rows[j]["id"].(int64) })
	want := []map[string]any{
		{"id": int64(1), "small": int32(-7), "name": "é ü", "price": "1.5", "at": "2026-01-02T03:04:05.123456Z",
			"day": "2026-01-02", "tags": json.RawMessage(`["a","b"]`), "doc": `{"x": 22.00}`, "ok": true, "raw": []byte{0, 1, 255},
			"_dpone_run_id": "run-1", "_dpone_loaded_at": "2026-12-04T10:00:00Z", colError: nil},
		{"id": int64(2), "small": nil, "name": nil, "price": nil, "at": nil, "day": nil, "tags": nil, "doc": nil,
			"ok": nil, "raw": nil, "_dpone_run_id": "run-1", "_dpone_loaded_at": "2026-12-04T10:00:00Z", colError: nil},
	}
	if d := cmp.Diff(want, out.rows); d != "" {
		t.Errorf("rows read back (-want +got):\n%s", d)
	}
	// Confluent framing: magic byte 0, then the registered schema's id.
	raw, err := readTopic(t, topic, `{"format":"bytes"}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range raw.column(colValue) {
		if b := v.([]byte); len(b) < 5 || b[0] != 0 || binary.BigEndian.Uint32(b[1:5]) != uint32(reg.subjects[topic+"-value"][0]) {
			t.Errorf("value %x: want magic byte 0 and schema id %d", b[:min(len(b), 5)], reg.subjects[topic+"-value"][0])
		}
	}
	for _, name := range []string{"price", "at", "day", "tags", "doc"} {
		f, _ := out.schema.FieldsByName(name)
		w, _ := avroSinkSchema.FieldsByName(name)
		if !arrow.TypeEqual(f[0].Type, w[0].Type) || isJSONField(f[0]) != isJSONField(w[0]) {
			t.Errorf("column %s: got %s %v, want %s %v", name, f[0].Type, f[0].Metadata, w[0].Type, w[0].Metadata)
		}
	}
}

// TestAvroRegistryErrors: avro without a registry is a CONFIG error
// naming schema_registry_url; bad registry credentials are AUTH; a topic
// without a value subject is NOT_FOUND naming the subject.
func TestAvroRegistryErrors(t *testing.T) {
	topic := testTopic("avro_err")
	createTestTopic(t, topic, 1)
	out := &collector{}
	err := New().(*Connector).Read(context.Background(), sdk.ReadRequest{Config: testConfig(t), Stream: topic,
		Mode: sdk.ReadFull, Options: json.RawMessage(`{"format":"avro"}`)}, out)
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "schema_registry_url") {
		t.Errorf("without a registry: got %v, want CONFIG naming schema_registry_url", err)
	}
	req := sinkLoad(t, topic, "load-noreg", sdk.ModeAppend, nil, `{"format":"avro"}`)
	if _, err := New().(*Connector).BeginLoad(context.Background(), req); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("sink without a registry: got %v, want CONFIG", err)
	}
	_, url := newTestRegistry(t, "key", "secret")
	err = New().(*Connector).Read(context.Background(), sdk.ReadRequest{Stream: topic, Mode: sdk.ReadFull,
		Config:  avroConfig(t, url, map[string]any{"schema_registry_username": "key", "schema_registry_password": "wrong"}),
		Options: json.RawMessage(`{"format":"avro"}`)}, out)
	if sdk.CodeOf(err) != sdk.CodeAuth {
		t.Errorf("wrong registry password: got %v (%s), want AUTH", err, sdk.CodeOf(err))
	}
	err = New().(*Connector).Read(context.Background(), sdk.ReadRequest{Stream: topic, Mode: sdk.ReadFull,
		Config:  avroConfig(t, url, map[string]any{"schema_registry_username": "key", "schema_registry_password": "secret"}),
		Options: json.RawMessage(`{"format":"avro"}`)}, out)
	if sdk.CodeOf(err) != sdk.CodeNotFound || !strings.Contains(err.Error(), topic+"-value") {
		t.Errorf("no subject: got %v, want NOT_FOUND naming %s-value", err, topic)
	}
}
