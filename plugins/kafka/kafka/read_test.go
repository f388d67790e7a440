package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// collector is a RecordWriter that keeps what a Read sends.
type collector struct {
	schema      *arrow.Schema
	rows        []map[string]any
	checkpoints [][]byte
	batchBytes  int
}

func (c *collector) Schema(s *arrow.Schema) error { c.schema = s; return nil }
func (c *collector) Write(rec arrow.RecordBatch) error {
	for i := range int(rec.NumRows()) {
		row := map[string]any{}
		for j, col := range rec.Columns() {
			if col.IsNull(i) {
				row[rec.ColumnName(j)] = nil
				continue
			}
			row[rec.ColumnName(j)] = col.GetOneForMarshal(i)
		}
		c.rows = append(c.rows, row)
	}
	return nil
}
func (c *collector) Checkpoint(state []byte) error {
	c.checkpoints = append(c.checkpoints, append([]byte(nil), state...))
	return nil
}
func (c *collector) Progress(int64, int64) error    { return nil }
func (c *collector) Log(sdk.LogLevel, string) error { return nil }
func (c *collector) BatchBytes() int                { return max(c.batchBytes, 1<<20) }
func (c *collector) lastState() []byte              { return c.checkpoints[len(c.checkpoints)-1] }
func (c *collector) column(name string) (out []any) {
	for _, r := range c.rows {
		out = append(out, r[name])
	}
	return out
}

// readTopic reads topic with options and prior state.
func readTopic(t *testing.T, topic, opts string, mode sdk.ReadMode, prior []byte) (*collector, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := &collector{}
	err := New().(*Connector).Read(ctx, sdk.ReadRequest{Config: testConfig(t), Stream: topic, Mode: mode,
		Options: json.RawMessage(opts), PriorState: prior}, out)
	return out, err
}

func values(n, from int) []testMessage {
	var ms []testMessage
	for i := range n {
		ms = append(ms, testMessage{Partition: int32(i % 2), Value: fmt.Sprintf(`{"id":%d}`, from+i)})
	}
	return ms
}

func ids(c *collector) map[int64]bool {
	out := map[int64]bool{}
	for _, v := range c.column("id") {
		out[v.(int64)] = true
	}
	return out
}

// TestReadEndsPastTransactionMarkers: a topic that ends with a committed
// and an aborted transaction (markers above the last row) is read to its
// end without hanging, the aborted rows are never read, and the final
// checkpoint is at the last stable offsets, past the markers.
func TestReadEndsPastTransactionMarkers(t *testing.T) {
	topic := testTopic("markers")
	createTestTopic(t, topic, 2)
	produceTest(t, topic, values(4, 0), "markers-ok-"+topic, false)
	produceTest(t, topic, values(4, 100), "markers-abort-"+topic, true)
	out, err := readTopic(t, topic, `{"incremental_strategy":"offset"}`, sdk.ReadIncremental, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(out), map[int64]bool{0: true, 1: true, 2: true, 3: true}; !cmp.Equal(got, want) {
		t.Fatalf("ids read: got %v, want %v", got, want)
	}
	// Per partition: 2 rows, a commit marker, 2 aborted rows, an abort marker.
	var cp checkpoint
	if err := json.Unmarshal(out.lastState(), &cp); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"0": 6, "1": 6}; !cmp.Equal(cp.Offsets, want) {
		t.Errorf("final checkpoint offsets: got %v, want %v (past both markers)", cp.Offsets, want)
	}
	again, err := readTopic(t, topic, `{"incremental_strategy":"offset"}`, sdk.ReadIncremental, out.lastState())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.rows) != 0 {
		t.Errorf("read from the final checkpoint: got %d rows, want 0", len(again.rows))
	}
}

// TestReadIncrementalResumes: a read from a checkpoint returns exactly the
// messages after it; a full read ignores the checkpoint.
func TestReadIncrementalResumes(t *testing.T) {
	topic := testTopic("resume")
	createTestTopic(t, topic, 2)
	produceTest(t, topic, values(10, 0), "", false)
	first, err := readTopic(t, topic, `{"incremental_strategy":"offset"}`, sdk.ReadIncremental, nil)
	if err != nil {
		t.Fatal(err)
	}
	produceTest(t, topic, values(6, 10), "", false)
	second, err := readTopic(t, topic, `{"incremental_strategy":"offset"}`, sdk.ReadIncremental, first.lastState())
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{}
	for i := 10; i < 16; i++ {
		want[int64(i)] = true
	}
	if got := ids(second); !cmp.Equal(got, want) || len(second.rows) != 6 {
		t.Errorf("second read: got %d rows %v, want ids 10..15 once", len(second.rows), got)
	}
	full, err := readTopic(t, topic, `{}`, sdk.ReadFull, first.lastState())
	if err != nil {
		t.Fatal(err)
	}
	if len(full.rows) != 16 {
		t.Errorf("full read: got %d rows, want 16 (a full read starts over)", len(full.rows))
	}
	other := testTopic("resume_other")
	createTestTopic(t, other, 1)
	_, err = readTopic(t, other, `{"incremental_strategy":"offset"}`, sdk.ReadIncremental, first.lastState())
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "dpone state reset") {
		t.Errorf("a checkpoint of another topic: got %v, want a CONFIG error naming dpone state reset", err)
	}
}

// TestReadStartPositions: latest, a timestamp and explicit offsets.
func TestReadStartPositions(t *testing.T) {
	topic := testTopic("start")
	createTestTopic(t, topic, 1)
	one := func(id int) []testMessage { return []testMessage{{Value: fmt.Sprintf(`{"id":%d}`, id)}} }
	produceTest(t, topic, one(1), "", false)
	produceTest(t, topic, one(2), "", false)
	time.Sleep(20 * time.Millisecond)
	mid := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	produceTest(t, topic, one(3), "", false)
	for _, tc := range []struct {
		opts string
		want []any
	}{
		{`{"start":"earliest"}`, []any{int64(1), int64(2), int64(3)}},
		{`{"start":"latest"}`, nil},
		{`{"start":"` + mid.Format(time.RFC3339Nano) + `"}`, []any{int64(3)}},
		{`{"start_offsets":{"0":1}}`, []any{int64(2), int64(3)}},
		{`{"start":"last_snapshot"}`, []any{int64(1), int64(2), int64(3)}}, // no snapshot: earliest
	} {
		out, err := readTopic(t, topic, tc.opts, sdk.ReadFull, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.opts, err)
		}
		if got := out.column("id"); !cmp.Equal(got, tc.want) {
			t.Errorf("%s: got ids %v, want %v", tc.opts, got, tc.want)
		}
	}
	if _, err := readTopic(t, topic, `{"start":"yesterday"}`, sdk.ReadFull, nil); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("start yesterday: got %v, want a CONFIG error", err)
	}
}

// TestReadPoisonMessages: a value that does not decode is a row with
// NULL values and the reason (with its topic, partition and offset) in
// _kafka_error; the rows around it are intact. With on_decode_error: fail
// the read fails with a DATA error naming the offset.
func TestReadPoisonMessages(t *testing.T) {
	topic := testTopic("poison")
	createTestTopic(t, topic, 1)
	produceTest(t, topic, []testMessage{
		{Value: `{"id":1,"n":"a"}`}, {Value: `{"id":"two","n":"b"}`}, {Value: `not json`}, {Value: `{"id":4,"n":"d"}`},
	}, "", false)
	opts := `{"start_offsets":{"0":0},"sample_size":1}` // infer from the first message only
	out, err := readTopic(t, topic, opts, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.column("id"), []any{int64(1), nil, nil, int64(4)}; !cmp.Equal(got, want) {
		t.Errorf("ids: got %v, want %v", got, want)
	}
	if got, want := out.column("n"), []any{"a", nil, nil, "d"}; !cmp.Equal(got, want) {
		t.Errorf("n: got %v, want %v", got, want)
	}
	errs := out.column(colError)
	for i, want := range []string{"", "partition 0 offset 1: field \"id\"", "partition 0 offset 2: value is not JSON", ""} {
		got, _ := errs[i].(string)
		if want == "" && errs[i] != nil || want != "" && !strings.Contains(got, want) {
			t.Errorf("row %d %s: got %v, want %q", i, colError, errs[i], want)
		}
	}
	_, err = readTopic(t, topic, `{"sample_size":1,"on_decode_error":"fail"}`, sdk.ReadFull, nil)
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "partition 0 offset 1") {
		t.Errorf("on_decode_error fail: got %v, want a DATA error naming partition 0 offset 1", err)
	}
}

// TestReadFormatsAndEnvelope: string and bytes values, keys, headers and
// the envelope columns.
func TestReadFormatsAndEnvelope(t *testing.T) {
	topic := testTopic("raw")
	createTestTopic(t, topic, 1)
	produceTest(t, topic, []testMessage{{Key: "k1", Value: "plain text", Headers: map[string]string{"src": "x"}}}, "", false)
	out, err := readTopic(t, topic, `{"format":"string"}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{colValue: "plain text", colTopic: topic, colPartition: int32(0), colOffset: int64(0),
		colKey: "k1", colHeaders: `{"src":"x"}`}
	got := out.rows[0]
	delete(got, colTimestamp)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("string row (-want +got):\n%s", d)
	}
	out, err = readTopic(t, topic, `{"format":"bytes","envelope":false,"headers":false}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if names := fieldNames(out.schema); !cmp.Equal(names, []string{colValue}) || out.schema.Field(0).Type.ID() != arrow.BINARY {
		t.Errorf("bytes schema: got %v", out.schema)
	}
}

// TestReadOnlySelectedTopic: a read consumes its own topic, never another,
// and Discover lists topics by name or /regex/, never internal ones.
func TestReadOnlySelectedTopic(t *testing.T) {
	a, b := testTopic("sel_a"), testTopic("sel_b")
	createTestTopic(t, a, 2)
	createTestTopic(t, b, 2)
	produceTest(t, a, values(3, 0), "", false)
	produceTest(t, b, values(5, 100), "", false)
	out, err := readTopic(t, a, `{}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range out.column(colTopic) {
		if tp != a {
			t.Fatalf("read of %s returned a row of %v", a, tp)
		}
	}
	if len(out.rows) != 3 {
		t.Errorf("read of %s: got %d rows, want 3", a, len(out.rows))
	}
	ctx := context.Background()
	streams, err := New().(*Connector).Discover(ctx, testConfig(t), []string{"/" + strings.TrimSuffix(a, "1") + ".*/"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range streams {
		names = append(names, s.Name)
		if internalTopic(s.Name) {
			t.Errorf("Discover listed internal topic %s", s.Name)
		}
	}
	if !cmp.Equal(names, []string{a}) {
		t.Errorf("Discover /regex/: got %v, want [%s]", names, a)
	}
	if _, err := readTopic(t, "no_such_topic_"+a, `{}`, sdk.ReadFull, nil); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("read of a missing topic: got %v, want NOT_FOUND", err)
	}
}

// TestReadCommitToGroup: with commit_to_group, an incremental read commits
// its prior checkpoint (what dpone committed) to the consumer group, and a
// first read commits nothing.
func TestReadCommitToGroup(t *testing.T) {
	topic := testTopic("group")
	createTestTopic(t, topic, 2)
	produceTest(t, topic, values(6, 0), "", false)
	opts := `{"incremental_strategy":"offset","commit_to_group":true}`
	first, err := readTopic(t, topic, opts, sdk.ReadIncremental, nil)
	if err != nil {
		t.Fatal(err)
	}
	group := "dpone." + topic
	if got := groupOffsets(t, group, topic); len(got) != 0 {
		t.Errorf("after the first read: group offsets %v, want none", got)
	}
	if _, err := readTopic(t, topic, opts, sdk.ReadIncremental, first.lastState()); err != nil {
		t.Fatal(err)
	}
	if got, want := groupOffsets(t, group, topic), map[int32]int64{0: 3, 1: 3}; !cmp.Equal(got, want) {
		t.Errorf("group offsets: got %v, want %v", got, want)
	}
}

// groupOffsets lists group's committed offsets of topic.
func groupOffsets(t *testing.T, group, topic string) map[int32]int64 {
	t.Helper()
	_, a := testAdmin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := a.ac.ListConsumerGroupOffsets(ctx, []ck.ConsumerGroupTopicPartitions{{Group: group}})
	if ke, ok := err.(ck.Error); ok && ke.Code() == ck.ErrGroupIDNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if *tp.Topic == topic && tp.Offset >= 0 {
				out[tp.Partition] = int64(tp.Offset)
			}
		}
	}
	return out
}
