package kafka

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

var sinkSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// records is an sdk.RecordReader over one record.
type records struct {
	rec  arrow.RecordBatch
	done bool
}

func (r *records) Schema() *arrow.Schema { return r.rec.Schema() }
func (r *records) Next() (arrow.RecordBatch, error) {
	if r.done {
		return nil, io.EOF
	}
	r.done = true
	return r.rec, nil
}

func sinkRecord(ids ...int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sinkSchema)
	defer b.Release()
	for _, id := range ids {
		b.Field(0).(*array.Int64Builder).Append(id)
		b.Field(1).(*array.StringBuilder).Append("n" + string(rune('a'+id%26)))
	}
	return b.NewRecordBatch()
}

func sinkLoad(t *testing.T, topic, loadID, mode string, key []string, opts string) sdk.LoadRequest {
	return sdk.LoadRequest{Config: testConfig(t), LoadID: loadID, Target: sdk.TableRef{Name: topic}, Schema: sinkSchema,
		Mode: mode, UniqueKey: key, Options: json.RawMessage(opts),
		Load: sdk.LoadOptions{Lineage: &sdk.Lineage{RunID: "run-1", LoadedAt: "2026-12-04T10:00:00Z",
			RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}}}
}

// withTimeout sets req's connection timeout.
func withTimeout(t *testing.T, req sdk.LoadRequest, timeout string) sdk.LoadRequest {
	t.Helper()
	var cfg map[string]any
	if err := json.Unmarshal(req.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["timeout"] = timeout
	req.Config, _ = json.Marshal(cfg)
	return req
}

// stage begins a load and writes ids into it.
func stage(t *testing.T, req sdk.LoadRequest, ids ...int64) {
	t.Helper()
	ctx := context.Background()
	c := New().(*Connector)
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	rec := sinkRecord(ids...)
	defer rec.Release()
	if _, err := c.Write(ctx, req, &records{rec: rec}); err != nil {
		t.Fatal(err)
	}
}

// TestSinkPublishesOnce: a committed load's messages carry the unique key
// as key, the run and load ids as headers and the lineage in the value; a
// second CommitLoad publishes nothing more.
func TestSinkPublishesOnce(t *testing.T) {
	topic := testTopic("sink_once")
	ctx := context.Background()
	req := sinkLoad(t, topic, "load-once-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
	stage(t, req, 1, 2, 3)
	c := New().(*Connector)
	res, err := c.CommitLoad(ctx, req, json.RawMessage(`{"run":"r"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsInserted != 3 {
		t.Errorf("rows inserted: got %d, want 3", res.RowsInserted)
	}
	if _, err := c.CommitLoad(ctx, req, nil); err != nil {
		t.Errorf("second CommitLoad: %v", err)
	}
	out, err := readTopic(t, topic, `{"format":"string"}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.rows) != 3 {
		t.Fatalf("target has %d messages, want 3", len(out.rows))
	}
	keys := map[string]bool{}
	for _, r := range out.rows {
		keys[r[colKey].(string)] = true
		var h map[string]string
		_ = json.Unmarshal([]byte(r[colHeaders].(string)), &h)
		if h[headerLoadID] != req.LoadID || h[headerRunID] != "run-1" {
			t.Errorf("headers: got %v, want load id %s and run id run-1", h, req.LoadID)
		}
		if v := r[colValue].(string); !strings.Contains(v, `"_dpone_run_id":"run-1"`) {
			t.Errorf("value %s lacks the lineage run id", v)
		}
	}
	if !cmp.Equal(keys, map[string]bool{"1": true, "2": true, "3": true}) {
		t.Errorf("keys: got %v, want 1, 2, 3", keys)
	}
	if st, err := c.LoadStatus(ctx, req); err != nil || st != sdk.LoadCommitted {
		t.Errorf("LoadStatus: got %v (%v), want committed", st, err)
	}
}

// TestSinkCommitAfterCrashMidTransaction: a CommitLoad that died inside
// its transaction (messages produced, no commit) leaves nothing visible to
// a read_committed consumer, and the next CommitLoad fences it, aborts its
// transaction and publishes the load exactly once.
func TestSinkCommitAfterCrashMidTransaction(t *testing.T) {
	topic := testTopic("sink_crash")
	ctx := context.Background()
	req := sinkLoad(t, topic, "load-crash-"+topic, sdk.ModeAppend, nil, `{"key":"none"}`)
	stage(t, req, 1, 2)
	l, err := New().(*Connector).prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	createTestTopic(t, topic, 3)
	// The dead CommitLoad: same transactional id, messages in, never committed.
	dead, err := newProducer(l.cfg, ck.ConfigMap{"transactional.id": l.transactionalID(), "transaction.timeout.ms": 600000})
	if err != nil {
		t.Fatal(err)
	}
	if err := dead.p.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dead.p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := dead.produce(ctx, &ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: ck.PartitionAny}, Value: []byte(`{"id":666}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := dead.flush(ctx); err != nil {
		t.Fatal(err)
	}
	// (the process is gone: its producer is never used again)
	if _, err := New().(*Connector).CommitLoad(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	dead.close()
	out, err := readTopic(t, topic, `{}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(out); !cmp.Equal(got, map[int64]bool{1: true, 2: true}) || len(out.rows) != 2 {
		t.Errorf("read_committed sees %d rows %v, want ids 1 and 2 once", len(out.rows), got)
	}
}

// TestSinkRefusals: modes the sink does not implement, a missing topic
// with create_topics off, and bad options fail before any publish.
func TestSinkRefusals(t *testing.T) {
	ctx := context.Background()
	c := New().(*Connector)
	topic := testTopic("sink_refuse")
	req := sinkLoad(t, topic, "load-refuse", sdk.ModeMerge, []string{"id"}, `{}`)
	if _, err := c.BeginLoad(ctx, req); sdk.CodeOf(err) != sdk.CodeUnsupported {
		t.Errorf("incremental_merge: got %v, want UNSUPPORTED", err)
	}
	req = sinkLoad(t, topic, "load-refuse", sdk.ModeAppend, nil, `{"key":"random"}`)
	if _, err := c.BeginLoad(ctx, req); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("key random: got %v, want CONFIG", err)
	}
	req = sinkLoad(t, topic, "load-refuse", sdk.ModeAppend, nil, `{"staging_compression":"brotli"}`)
	if _, err := c.BeginLoad(ctx, req); sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "staging_compression") {
		t.Errorf("staging_compression brotli: got %v, want CONFIG naming staging_compression", err)
	}
	req = sinkLoad(t, topic, "load-refuse", sdk.ModeAppend, nil, `{}`)
	req.Config, _ = json.Marshal(map[string]any{"brokers": testBrokers(t), "create_topics": false})
	_, err := c.BeginLoad(ctx, req)
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "create_topics") {
		t.Errorf("missing topic, create_topics false: got %v, want CONFIG naming create_topics", err)
	}
	req = sinkLoad(t, "_dpone_loads", "load-refuse", sdk.ModeAppend, nil, `{}`)
	if _, err := c.BeginLoad(ctx, req); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("receipts topic as target: got %v, want CONFIG", err)
	}
}

// TestSinkSnapshots: every full_refresh is a snapshot; start: last_snapshot
// reads the newest one, earliest reads them all.
func TestSinkSnapshots(t *testing.T) {
	topic := testTopic("sink_snap")
	ctx := context.Background()
	for i, rows := range [][]int64{{1, 2, 3}, {4, 5}} {
		req := sinkLoad(t, topic, "load-snap-"+topic+string(rune('a'+i)), sdk.ModeFullRefresh, []string{"id"}, `{}`)
		stage(t, req, rows...)
		if _, err := New().(*Connector).CommitLoad(ctx, req, nil); err != nil {
			t.Fatal(err)
		}
	}
	last, err := readTopic(t, topic, `{"start":"last_snapshot"}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(last); !cmp.Equal(got, map[int64]bool{4: true, 5: true}) {
		t.Errorf("last snapshot: got %v, want 4, 5", got)
	}
	all, err := readTopic(t, topic, `{}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.rows) != 5 {
		t.Errorf("earliest: got %d rows, want 5", len(all.rows))
	}
	if ts, ok := all.schema.Field(all.schema.FieldIndices("_dpone_loaded_at")[0]).Type.(*arrow.TimestampType); !ok || ts.TimeZone != "UTC" {
		t.Errorf("lineage loaded_at type: got %v, want a UTC timestamp (the receipt's schema)", all.schema)
	}
}

// TestSinkKeys: key hash is the SHA-256 (hex) of the message value, so
// equal rows share a key; key none publishes without keys; unique_key of
// two columns is the JSON array of their values.
func TestSinkKeys(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		opts string
		key  []string
		want func(value string) any
	}{
		{`{"key":"hash"}`, nil, func(v string) any { h := sha256.Sum256([]byte(v)); return hex.EncodeToString(h[:]) }},
		{`{"key":"none"}`, []string{"id"}, func(string) any { return nil }},
		{`{}`, []string{"id", "name"}, func(v string) any {
			var m map[string]any
			_ = json.Unmarshal([]byte(v), &m)
			k, _ := json.Marshal([]any{m["id"], m["name"]})
			return string(k)
		}},
	} {
		t.Run(tt.opts, func(t *testing.T) {
			topic := testTopic("sink_keys")
			req := sinkLoad(t, topic, "load-keys-"+topic, sdk.ModeAppend, tt.key, tt.opts)
			stage(t, req, 1, 2)
			if _, err := New().(*Connector).CommitLoad(ctx, req, nil); err != nil {
				t.Fatal(err)
			}
			out, err := readTopic(t, topic, `{"format":"string"}`, sdk.ReadFull, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.rows) != 2 {
				t.Fatalf("target has %d messages, want 2", len(out.rows))
			}
			for _, r := range out.rows {
				if got, want := r[colKey], tt.want(r[colValue].(string)); got != want {
					t.Errorf("key of %s: got %v, want %v", r[colValue], got, want)
				}
			}
		})
	}
}

// TestSinkCommitRefusedMessage: a message the broker refuses (the target
// takes messages of at most 64 bytes) fails CommitLoad with DATA (its
// delivery report names the cause) and publishes nothing, no message and
// no receipt.
func TestSinkCommitRefusedMessage(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []string{sdk.ModeFullRefresh, sdk.ModeAppend} {
		t.Run(mode, func(t *testing.T) {
			topic := testTopic("sink_refused")
			req := sinkLoad(t, topic, "load-refused-"+topic, mode, []string{"id"}, `{}`)
			_, a := preparedAdmin(t, req)
			if err := a.createTopicWith(ctx, topic, 3, map[string]string{"max.message.bytes": "64"}); err != nil {
				t.Fatal(err)
			}
			stage(t, req, 1, 2, 3)
			c := New().(*Connector)
			if _, err := c.CommitLoad(ctx, req, nil); sdk.CodeOf(err) != sdk.CodeData {
				t.Fatalf("CommitLoad into a topic refusing every message: got %v, want DATA", err)
			}
			out, err := readTopic(t, topic, `{}`, sdk.ReadFull, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.rows) != 0 {
				t.Errorf("read_committed sees %d rows of a failed commit, want 0", len(out.rows))
			}
			if st, err := c.LoadStatus(ctx, req); err != nil || st != sdk.LoadStaged {
				t.Errorf("LoadStatus: got %v (%v), want staged", st, err)
			}
		})
	}
}
