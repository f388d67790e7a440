package kafka

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/dpone-go/dpone/sdk/sdktest"
)

// TestCertify runs dpone's certification suite against the kafka
// connector, in process through the SDK's gRPC adapter, on the test
// broker: the source half over a JSON topic of three partitions (with an
// aborted transaction that must not be read); the destination half over
// every declared mode, reading targets back from their last snapshot as a
// compacted topic converges.
func TestCertify(t *testing.T) {
	cfg := testConfig(t)
	topic := testTopic("certify")
	brokers := testBrokers(t)
	produce := func(msgs []testMessage, txn string, abort bool) func(context.Context) error {
		return func(context.Context) error { return produceMessages(brokers, topic, msgs, txn, abort) }
	}
	createTestTopic(t, topic, 3)
	msgs := []testMessage{
		{0, "1", `{"id":1,"name":"moon 🌕","score":1.5,"payload":{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}}`, nil},
		{1, "2", `{"id":2,"name":"","score":0,"payload":[]}`, nil},
		{2, "3", `{"id":3,"name":"tie","score":-2.25,"payload":{}}`, map[string]string{"h": "v"}},
		{0, "4", `{"id":4,"name":null,"score":null,"payload":null}`, nil},
		{1, "5", `{"id":5}`, nil},
		{2, "6", `{"id":6,"name":"日本語","score":1e3,"payload":"text"}`, nil},
		{0, "", `{"id":7,"name":"emoji 👩‍💻","score":12.5,"payload":12.50}`, nil},
	}
	produceTest(t, topic, msgs[:4], "", false)
	produceTest(t, topic, []testMessage{{1, "x", `{"id":99,"name":"aborted"}`, nil}}, "certify-aborted-"+topic, true)
	produceTest(t, topic, msgs[4:], "certify-committed-"+topic, false)
	sdktest.TestConnector(t, sdktest.Fixture{
		Factory:        New,
		Config:         cfg,
		Unreachable:    json.RawMessage(`{"brokers":"127.0.0.1:1","timeout":"2s"}`),
		BadCredentials: saslConfig(t, "wrong-password"),
		Streams: []sdktest.StreamFixture{{
			Name: topic,
			Rows: []map[string]any{
				{"id": 1, "name": "moon 🌕", "score": 1.5, "payload": `{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}`, "_kafka_key": "1", "_kafka_headers": nil},
				{"id": 2, "name": "", "score": 0, "payload": `[]`, "_kafka_key": "2", "_kafka_headers": nil},
				{"id": 3, "name": "tie", "score": -2.25, "payload": `{}`, "_kafka_key": "3", "_kafka_headers": `{"h":"v"}`},
				{"id": 4, "name": nil, "score": nil, "payload": nil, "_kafka_key": "4", "_kafka_headers": nil},
				{"id": 5, "name": nil, "score": nil, "payload": nil, "_kafka_key": "5", "_kafka_headers": nil},
				{"id": 6, "name": "日本語", "score": 1000, "payload": `"text"`, "_kafka_key": "6", "_kafka_headers": nil},
				{"id": 7, "name": "emoji 👩‍💻", "score": 12.5, "payload": `12.50`, "_kafka_key": nil, "_kafka_headers": nil},
			},
			Types: map[string]string{"id": "int64", "name": "string", "score": "float64", "payload": "json",
				"_kafka_partition": "int32", "_kafka_offset": "int64", "_kafka_timestamp": "timestamp(3, tz)", "_kafka_key": "string"},
			Incremental: &sdktest.IncrementalFixture{
				Options: json.RawMessage(`{"incremental_strategy":"offset"}`),
			},
			// A topic is a log: an insert is a message, an update a new
			// message with the same key, a delete a tombstone (a poison
			// row for the JSON format, with the reason in _kafka_error).
			Mutations: []sdktest.MutationFixture{
				{Name: "3 messages in 3 partitions", Do: produce([]testMessage{
					{0, "8", `{"id":8,"name":"eight","score":8,"payload":null}`, nil},
					{1, "9", `{"id":9,"name":"nine","score":9.5,"payload":[9]}`, nil},
					{2, "10", `{"id":10,"name":"ten","score":10,"payload":{"x":10}}`, nil}}, "", false)},
				{Name: "a committed transaction of 2 (markers after them)", Do: produce([]testMessage{
					{0, "11", `{"id":11,"name":"eleven"}`, nil}, {1, "12", `{"id":12,"name":"twelve"}`, nil}}, "mut-commit-"+topic, false)},
				{Name: "an aborted transaction of 2 (never read)", Do: produce([]testMessage{
					{0, "13", `{"id":13,"name":"aborted"}`, nil}, {2, "14", `{"id":14,"name":"aborted"}`, nil}}, "mut-abort-"+topic, true)},
				{Name: "an update of key 1 (a new message) and a tombstone of key 2", Do: produce([]testMessage{
					{0, "1", `{"id":1,"name":"moon v2","score":2.5,"payload":{}}`, nil}, {1, "2", "", nil}}, "", false)},
			},
		}},
		Load: &sdktest.LoadFixture{
			// The latest snapshot, as a compacted topic converges (the
			// snapshot_diff targets' tombstones delete their keys; the
			// other checks' messages have no key and are all read).
			Reader: &sdktest.ReaderFixture{Options: json.RawMessage(`{"start":"last_snapshot","compact":true}`)},
			Types: []string{"bool", "int8", "int16", "int32", "int64", "float32", "float64", "decimal(38,10)",
				"string", "binary", "date", "time(6)", "timestamp(6)", "timestamp(6, tz)", "uuid", "json"},
			Rows: 20000,
		},
	})
}
