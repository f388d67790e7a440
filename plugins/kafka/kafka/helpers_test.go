package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// testBrokers skips without a broker (scripts/kafka.sh, started by make
// test) and returns its address.
func testBrokers(t testing.TB) string {
	t.Helper()
	b := os.Getenv("DPONE_TEST_KAFKA_BROKERS")
	if b == "" {
		t.Skip("DPONE_TEST_KAFKA_BROKERS not set: run via make test, or eval \"$(scripts/kafka.sh start)\"")
	}
	return b
}

// testConfig is a config for the test broker.
func testConfig(t testing.TB) json.RawMessage {
	cfg, _ := json.Marshal(map[string]any{"brokers": testBrokers(t), "timeout": "20s"})
	return cfg
}

var topicSeq atomic.Int64

// testTopic names a topic no other test (or earlier run on the same
// broker) uses.
func testTopic(what string) string {
	return fmt.Sprintf("test_%s_%d_%d_%d", what, os.Getpid(), time.Now().UnixNano()%1e6, topicSeq.Add(1))
}

// testMessage is a message to produce in a test.
type testMessage struct {
	Partition int32
	Key       string
	Value     string
	Headers   map[string]string
}

// testAdmin is the test broker's config and an admin client on it,
// closed when the test ends.
func testAdmin(t testing.TB) (Config, *admin) {
	t.Helper()
	cfg, err := decodeConfig(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	a, err := newAdmin(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return cfg, a
}

// createTestTopic creates topic with n partitions.
func createTestTopic(t testing.TB, topic string, n int) {
	t.Helper()
	_, a := testAdmin(t)
	if err := a.createTopic(context.Background(), topic, n); err != nil {
		t.Fatal(err)
	}
}

// produceTest produces msgs; with txn, inside one transaction that is
// committed, or aborted when abort is true.
func produceTest(t testing.TB, topic string, msgs []testMessage, txn string, abort bool) {
	t.Helper()
	if err := produceMessages(testBrokers(t), topic, msgs, txn, abort); err != nil {
		t.Fatal(err)
	}
}

// produceMessages is produceTest returning its error.
func produceMessages(brokers, topic string, msgs []testMessage, txn string, abort bool) error {
	conf := ck.ConfigMap{"bootstrap.servers": brokers, "linger.ms": 5}
	if txn != "" {
		conf["transactional.id"] = txn
	}
	p, err := ck.NewProducer(&conf)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	if txn != "" {
		if err := p.InitTransactions(ctx); err != nil {
			return err
		}
		if err := p.BeginTransaction(); err != nil {
			return err
		}
	}
	dr := make(chan ck.Event, len(msgs))
	for _, m := range msgs {
		var hs []ck.Header
		for k, v := range m.Headers {
			hs = append(hs, ck.Header{Key: k, Value: []byte(v)})
		}
		var key []byte
		if m.Key != "" {
			key = []byte(m.Key)
		}
		var value []byte // an empty Value is a tombstone
		if m.Value != "" {
			value = []byte(m.Value)
		}
		msg := &ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: m.Partition},
			Key: key, Value: value, Headers: hs}
		// A topic just created may be missing from the producer's first
		// metadata: retry until it is known.
		for try := 0; ; try++ {
			err := p.Produce(msg, dr)
			if err == nil {
				break
			}
			if ke, ok := err.(ck.Error); !ok || ke.Code() != ck.ErrUnknownPartition || try > 100 {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for range msgs {
		if m := (<-dr).(*ck.Message); m.TopicPartition.Error != nil {
			return m.TopicPartition.Error
		}
	}
	switch {
	case txn != "" && abort:
		if err := p.AbortTransaction(ctx); err != nil {
			return err
		}
	case txn != "":
		if err := p.CommitTransaction(ctx); err != nil {
			return err
		}
	}
	return nil
}

// saslConfig is a config for the SASL broker (SCRAM-SHA-256, user dpone,
// password dpone-secret) with password; it skips without that broker.
func saslConfig(t testing.TB, password string) json.RawMessage {
	t.Helper()
	b := os.Getenv("DPONE_TEST_KAFKA_SASL_BROKERS")
	if b == "" {
		t.Skip("DPONE_TEST_KAFKA_SASL_BROKERS not set: run via make test")
	}
	cfg, _ := json.Marshal(map[string]any{"brokers": b, "timeout": "10s", "security_protocol": "sasl_plaintext",
		"sasl_mechanism": "SCRAM-SHA-256", "username": "dpone", "password": password})
	return cfg
}

// preparedAdmin checks req as the sink does and opens an admin client on
// its broker (closed when the test ends).
func preparedAdmin(t *testing.T, req sdk.LoadRequest) (*load, *admin) {
	t.Helper()
	l, err := New().(*Connector).prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newAdmin(l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return l, a
}
