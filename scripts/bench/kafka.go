package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Kafka scenarios run when scripts/bench.sh started a Kafka broker
// (BENCH_KAFKA=1: scripts/kafka.sh, franz-go's kfake, keeping topics in
// segment files on disk as a real broker does). In order, per run:
// pg_to_kafka publishes bench_src as a JSON full_refresh snapshot to topic
// bench.pg_to_kafka__<table>; pg_to_kafka_avro the same as Avro through
// the broker's test Schema Registry; kafka_to_pg reads the last snapshot
// of the JSON topic into PostgreSQL; kafka_produce_loop, kafka_replay_loop
// and kafka_consume_loop are the client's own limit (plugins/kafka/
// benchloop): a plain confluent-kafka-go producer of one repeated value
// (BENCH_KAFKA_MSG_BYTES per message, default 300, about a JSON row of
// bench_src; lz4 shrinks a repeated pattern to almost nothing, so neither
// the client nor the broker handles many bytes), the same producer sending
// the first rows messages pg_to_kafka published (keys, values and headers
// as they are, loaded before its clock starts: the limit for these very
// messages; kafka_replay_avro_loop those of pg_to_kafka_avro), and a plain
// read_committed consumer of the JSON topic's first rows messages. The
// broker's CPU is measured in every Kafka scenario (BENCH_KAFKA_BROKER_PID,
// set by scripts/bench.sh).
var kafkaScenarios = []scenario{
	{Name: "pg_to_kafka", Source: "postgres", Sink: "kafka"},
	{Name: "pg_to_kafka_avro", Source: "postgres", Sink: "kafka"},
	{Name: "kafka_to_pg", Source: "kafka", Sink: "postgres"},
	{Name: "kafka_produce_loop"},
	{Name: "kafka_replay_loop"},
	{Name: "kafka_replay_avro_loop"},
	{Name: "kafka_consume_loop"},
}

// kafkaEnabled reports whether a broker is there to bench.
func kafkaEnabled() bool { return os.Getenv("DPONE_TEST_KAFKA_BROKERS") != "" }

func isKafka(s scenario) bool {
	for _, k := range kafkaScenarios {
		if k.Name == s.Name {
			return true
		}
	}
	return false
}

// runKafka measures one Kafka scenario.
func (b *bench) runKafka(s scenario, table string, rows int64) (measurement, error) {
	jsonTopic := "bench.pg_to_kafka__" + table
	switch s.Name {
	case "kafka_produce_loop", "kafka_replay_loop", "kafka_replay_avro_loop", "kafka_consume_loop":
		loop, err := b.benchloop()
		if err != nil {
			return measurement{}, err
		}
		// The topic a replay loop sends again ("": not a replay loop).
		from := map[string]string{"kafka_replay_loop": jsonTopic, "kafka_replay_avro_loop": "bench.pg_to_kafka_avro__" + table}[s.Name]
		args := []string{"consume", "-topic", jsonTopic}
		if s.Name != "kafka_consume_loop" {
			b.kafkaSeq++
			args = []string{"produce", "-topic", fmt.Sprintf("bench.loop_%d_%d", os.Getpid(), b.kafkaSeq)}
			if from != "" {
				args = append(args, "-from", from, "-sync")
			} else {
				args = append(args, "-size", envStr("BENCH_KAFKA_MSG_BYTES", "300"))
			}
		}
		args = append(args, "-brokers", os.Getenv("DPONE_TEST_KAFKA_BROKERS"), "-n", strconv.FormatInt(rows, 10))
		if from == "" {
			return b.measure(exec.Command(loop, args...))
		}
		// A replay loop loads its messages first, says "loaded" and waits:
		// the broker's CPU is read then, and the loop let go.
		cmd := exec.Command(loop, args...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return measurement{}, err
		}
		var brokerAtStart float64
		out := &loopOutput{onLoaded: func() {
			brokerAtStart = b.brokerCPU()
			_, _ = stdin.Write([]byte("\n"))
		}}
		m, err := b.measure(cmd, out)
		if err != nil {
			return m, err
		}
		return timedPart(m, out.String(), b.brokerCPU()-brokerAtStart)
	}
	var src, sink string
	switch s.Name {
	case "pg_to_kafka":
		src, sink = `{type: postgres, connection_id: src}`, `{type: kafka, connection_id: kafka, strategy: {mode: full_refresh}}`
	case "pg_to_kafka_avro":
		if os.Getenv("DPONE_TEST_SCHEMA_REGISTRY_URL") == "" {
			return measurement{}, fmt.Errorf("pg_to_kafka_avro needs DPONE_TEST_SCHEMA_REGISTRY_URL (scripts/kafka.sh prints it)")
		}
		src, sink = `{type: postgres, connection_id: src}`, `{type: kafka, connection_id: kafka, strategy: {mode: full_refresh}, options: {format: avro}}`
	case "kafka_to_pg":
		if err := b.psql(b.dstDSN, "DROP TABLE IF EXISTS bench."+s.targetTable(table)); err != nil {
			return measurement{}, err
		}
		src = `{type: kafka, connection_id: kafka, options: {start: last_snapshot, envelope: false, headers: false}}`
		sink = `{type: postgres, connection_id: dst, strategy: {mode: full_refresh}}`
	}
	schema, name := "public", table
	if s.Source == "kafka" {
		schema, name = "bench", "pg_to_kafka__"+table
	}
	doc := fmt.Sprintf(`kind: dpone.batch.v1
metadata: {id: bench_%[1]s, owner: bench}
naming:
  sink_dataset: bench
defaults:
  source: %[2]s
  sink: %[3]s
schemas:
  %[4]s:
    tables:
      - table: %[5]s
        overrides:
          sink: {table: {name: %[6]s}}
`, s.Name, src, sink, schema, name, s.targetTable(table))
	path := filepath.Join(b.work, s.Name+"__"+table+".yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		return measurement{}, err
	}
	cmd := b.dponeRun(path)
	cmd.Env = append(cmd.Env, "DPONE_CONN_KAFKA_BROKERS="+os.Getenv("DPONE_TEST_KAFKA_BROKERS"),
		"DPONE_CONN_KAFKA_SCHEMA_REGISTRY_URL="+os.Getenv("DPONE_TEST_SCHEMA_REGISTRY_URL"))
	m, err := b.measure(cmd)
	if err != nil || s.Sink != "postgres" {
		return m, err
	}
	return m, b.checkRows(b.dstDSN, "bench."+s.targetTable(table), rows)
}

// loopOutput is a replay loop's stdout: when the loop says "loaded" (its
// messages in memory, its clock not started) onLoaded runs, once. It has
// no ReadFrom (an embedded bytes.Buffer's would let io.Copy bypass Write).
type loopOutput struct {
	buf      bytes.Buffer
	onLoaded func()
	loaded   bool
}

func (o *loopOutput) Write(p []byte) (int, error) {
	n, err := o.buf.Write(p)
	if !o.loaded && bytes.Contains(o.buf.Bytes(), []byte("loaded\n")) {
		o.loaded = true
		o.onLoaded()
	}
	return n, err
}

func (o *loopOutput) String() string { return o.buf.String() }

// brokerCPU is the Kafka broker's CPU seconds so far (0 when unknown).
func (b *bench) brokerCPU() float64 {
	t, _ := readProcTimes(b.brokerPid)
	return t.self
}

// timedPart replaces a replay loop's wall, client and broker CPU by its
// timed part's (benchloop's "timed" line; broker: the broker's CPU from
// the loop's "loaded" to its end): loading the messages to replay is not
// producing them.
func timedPart(m measurement, out string, broker float64) (measurement, error) {
	for _, line := range strings.Split(out, "\n") {
		var wall, cpu float64
		if n, _ := fmt.Sscanf(line, "timed wall_s=%g cpu_s=%g", &wall, &cpu); n == 2 {
			m.WallSecs, m.ClientCPU = wall, cpu
			m.ServerCPU += broker - m.BrokerCPU
			m.BrokerCPU = broker
			m.TotalCPU = m.ClientCPU + m.ServerCPU
			return m, nil
		}
	}
	return m, fmt.Errorf("benchloop printed no timed line:\n%s", out)
}

// benchloop builds plugins/kafka/benchloop into the work directory, once
// per bench run (go's build cache makes it quick; an older binary left in
// the work directory is rebuilt).
func (b *bench) benchloop() (string, error) {
	bin := filepath.Join(b.work, "benchloop")
	if b.loopBuilt {
		return bin, nil
	}
	cmd := exec.Command("go", "build", "-o", bin, "./benchloop")
	cmd.Dir = filepath.Join(b.root, "plugins", "kafka")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build benchloop: %w\n%s", err, out)
	}
	b.loopBuilt = true
	return bin, nil
}
