package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// Sink benchmarks against the test broker (DPONE_TEST_KAFKA_BROKERS):
// each op loads DPONE_BENCH_KAFKA_ROWS rows (default 100000) of bench_src
// (hostRecord). The machine is shared and noisy, so besides wall time
// they report the CPU time of the test process (getrusage user+sys:
// Go, cgo and librdkafka's threads; not the broker's) per row:
//
//	go test ./kafka -run '^$' -bench 'SinkLoad|ProduceLoop' -benchtime 3x

// benchRows is how many rows one benchmark op loads.
func benchRows(b *testing.B) int {
	n := 100000
	if s := os.Getenv("DPONE_BENCH_KAFKA_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("DPONE_BENCH_KAFKA_ROWS=%q: want a positive number", s)
		}
		n = v
	}
	return n
}

// cpuTime is the process's user+sys CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// repeatRecords is an sdk.RecordReader that returns rec until n rows
// were read (the last one sliced).
type repeatRecords struct {
	rec  arrow.RecordBatch
	left int
}

func (r *repeatRecords) Schema() *arrow.Schema { return r.rec.Schema() }
func (r *repeatRecords) Next() (arrow.RecordBatch, error) {
	if r.left <= 0 {
		return nil, io.EOF
	}
	n := min(r.left, int(r.rec.NumRows()))
	r.left -= n
	if n < int(r.rec.NumRows()) {
		return r.rec.NewSlice(0, int64(n)), nil
	}
	return r.rec, nil
}

// hostRecord is benchRecord(n) as the host delivers bench_src from
// PostgreSQL: the uuid column as text marked uuid (sdk.MetaLogical), not
// Arrow's uuid extension type.
func hostRecord(n int) arrow.RecordBatch {
	rec := benchRecord(n)
	defer rec.Release()
	fields := append([]arrow.Field(nil), benchSchema.Fields()...)
	cols := append([]arrow.Array(nil), rec.Columns()...)
	for c, col := range cols {
		u, ok := col.(*extensions.UUIDArray)
		if !ok {
			continue
		}
		sb := array.NewStringBuilder(memory.DefaultAllocator)
		for i := range u.Len() {
			if u.IsNull(i) {
				sb.AppendNull()
			} else {
				sb.Append(u.Value(i).String())
			}
		}
		cols[c] = sb.NewArray()
		defer cols[c].Release()
		sb.Release()
		fields[c] = arrow.Field{Name: fields[c].Name, Type: arrow.BinaryTypes.String, Nullable: true,
			Metadata: arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalUUID})}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
}

// benchLoad is the load request of make bench's pg_to_kafka: a JSON
// full_refresh keyed by id, with lineage.
func benchLoad(b *testing.B, topic string, schema *arrow.Schema) sdk.LoadRequest {
	return sdk.LoadRequest{Config: testConfig(b), LoadID: "bench-" + topic, Target: sdk.TableRef{Name: topic},
		Schema: schema, Mode: sdk.ModeFullRefresh, UniqueKey: []string{"id"}, Options: json.RawMessage(`{}`),
		Load: sdk.LoadOptions{Lineage: &sdk.Lineage{RunID: "run-bench", LoadedAt: "2026-12-06T00:00:00Z",
			RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}}}
}

// dropTopic deletes a benchmark's target so the in-memory broker does
// not keep it (also at the end of a failed benchmark: Discover in
// TestCertify lists every topic of the broker).
func dropTopic(b *testing.B, topic string) {
	cfg, err := decodeConfig(testConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	a, err := newAdmin(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if err := a.deleteTopic(context.Background(), topic); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSinkLoad: BeginLoad, Write and CommitLoad of one load, with
// the CPU of Write (encode, bundle, stage) and of CommitLoad (consume
// staging, unpack, publish in a transaction) per row.
func BenchmarkSinkLoad(b *testing.B) {
	rows := benchRows(b)
	rec := hostRecord(8192)
	defer rec.Release()
	ctx := context.Background()
	var writeCPU, commitCPU, total time.Duration
	for b.Loop() {
		b.StopTimer()
		topic := testTopic("bench_sink")
		b.Cleanup(func() { dropTopic(b, topic) })
		req := benchLoad(b, topic, rec.Schema())
		c := New().(*Connector)
		b.StartTimer()
		c0 := cpuTime(b)
		if _, err := c.BeginLoad(ctx, req); err != nil {
			b.Fatal(err)
		}
		c1 := cpuTime(b)
		res, err := c.Write(ctx, req, &repeatRecords{rec: rec, left: rows})
		if err != nil {
			b.Fatal(err)
		}
		c2 := cpuTime(b)
		cr, err := c.CommitLoad(ctx, req, json.RawMessage(`{}`))
		if err != nil {
			b.Fatal(err)
		}
		c3 := cpuTime(b)
		b.StopTimer()
		if res.Rows != int64(rows) || cr.RowsInserted != int64(rows) {
			b.Fatalf("wrote %d rows, published %d, want %d", res.Rows, cr.RowsInserted, rows)
		}
		writeCPU += c2 - c1
		commitCPU += c3 - c2
		total += c3 - c0
		dropTopic(b, topic)
		b.StartTimer()
	}
	n := float64(b.N * rows)
	b.ReportMetric(float64(total)/n, "cpu-ns/row")
	b.ReportMetric(float64(writeCPU)/n, "write-cpu-ns/row")
	b.ReportMetric(float64(commitCPU)/n, "commit-cpu-ns/row")
}

// BenchmarkProduceLoop: the client's own limit on the same messages (the
// sink's JSON values and keys, encoded before the clock starts): a plain
// confluent-kafka-go loop with the sink's producer settings, Produce per
// message, delivery reports drained from Events(). headers adds the two
// headers the sink's target messages carry; txn produces them in one
// transaction, as CommitLoad does.
func BenchmarkProduceLoop(b *testing.B) {
	rows := benchRows(b)
	rec := hostRecord(8192)
	defer rec.Release()
	req := benchLoad(b, "x", rec.Schema())
	enc, err := newRowEncoder(rec.Schema(), req.UniqueKey, keyUniqueKey, req.Load.Lineage)
	if err != nil {
		b.Fatal(err)
	}
	enc.keyFormat = keyFormatString
	keys, values := make([][]byte, rows), make([][]byte, rows)
	for i := range rows {
		if values[i], err = enc.value(nil, rec, i%8192); err != nil {
			b.Fatal(err)
		}
		if keys[i], err = enc.key(nil, rec, i%8192, values[i]); err != nil {
			b.Fatal(err)
		}
	}
	headers := []ck.Header{{Key: headerLoadID, Value: []byte("bench-load")}, {Key: headerRunID, Value: []byte("run-bench")}}
	for _, tt := range []struct {
		name    string
		headers bool
		txn     bool
	}{
		{name: "plain"},
		{name: "headers", headers: true},
		{name: "headers_txn", headers: true, txn: true},
	} {
		b.Run(tt.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				b.StopTimer()
				topic := testTopic("bench_loop")
				b.Cleanup(func() { dropTopic(b, topic) })
				createTestTopic(b, topic, 3)
				b.StartTimer()
				c0 := cpuTime(b)
				conf := ck.ConfigMap{"bootstrap.servers": testBrokers(b), "linger.ms": 20, "batch.size": 1 << 20,
					"compression.type": "lz4", "queue.buffering.max.kbytes": 65536, "go.delivery.report.fields": "none"}
				if tt.txn {
					conf["transactional.id"] = "bench-" + topic
				} else {
					conf["enable.idempotence"] = true
				}
				var hs []ck.Header
				if tt.headers {
					hs = headers
				}
				if err := produceLoop(conf, topic, keys, values, hs, tt.txn); err != nil {
					b.Fatal(err)
				}
				total += cpuTime(b) - c0
				b.StopTimer()
				dropTopic(b, topic)
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/float64(b.N*rows), "cpu-ns/row")
		})
	}
}

// produceLoop produces every message and waits for its delivery report.
func produceLoop(conf ck.ConfigMap, topic string, keys, values [][]byte, hs []ck.Header, txn bool) error {
	p, err := ck.NewProducer(&conf)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	if txn {
		if err := p.InitTransactions(ctx); err != nil {
			return err
		}
		if err := p.BeginTransaction(); err != nil {
			return err
		}
	}
	errs := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		acked := 0
		for ev := range p.Events() {
			if m, ok := ev.(*ck.Message); ok {
				if m.TopicPartition.Error != nil {
					select {
					case errs <- m.TopicPartition.Error:
					default:
					}
				}
				if acked++; acked == len(keys) {
					return
				}
			}
		}
	}()
	m := &ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: ck.PartitionAny}, Headers: hs}
	for i := range keys {
		m.Key, m.Value = keys[i], values[i]
		for {
			err := p.Produce(m, nil)
			if err == nil {
				break
			}
			if ke, ok := err.(ck.Error); !ok || ke.Code() != ck.ErrQueueFull {
				return err
			}
			p.Flush(50)
		}
	}
	<-done
	select {
	case err := <-errs:
		return fmt.Errorf("delivery: %w", err)
	default:
	}
	if txn {
		return p.CommitTransaction(ctx)
	}
	return nil
}
