// Package kafka is dpone's Kafka connector (confluent-kafka-go, librdkafka).
//
// As a Source, each topic is a stream. A Read is bounded: it captures every
// partition's last stable offset at start (read_committed) and stops when
// the consumer's position in each partition reaches it; it never counts
// messages, since transaction markers and aborted batches sit below the
// end. The checkpoint is the next offset per partition, emitted through the
// SDK after each batch, so dpone's state advances only after the sink
// committed.
//
// Values are JSON (inferred or declared columns), or Avro or Protobuf
// through a Schema Registry (confluent-kafka-go's serdes), or raw.
//
// As a Destination, Kafka is an event log: incremental_append publishes
// rows, full_refresh publishes a full snapshot (a reader can start from the
// last snapshot with start: last_snapshot), snapshot_diff publishes a
// snapshot and tombstones for the keys it lacks (a compacted topic; read
// it back with compact: true). Write stages the load's final
// messages in a staging topic named from the load id and, in the process
// that began the load, publishes them into the target in a transaction
// opened at BeginLoad; CommitLoad writes the load's receipt to
// _dpone_loads in that transaction and commits it, or, when the load was
// not written through it, copies staging into the target and writes the
// receipt in a new one. A read_committed consumer sees each load exactly
// once, and any process can commit or abort a load it did not begin.
package kafka

import (
	"io"

	"github.com/dpone-go/dpone/sdk"
)

// Version is the connector's version.
const Version = "0.1.0"

// sinkModes are the load modes the sink implements.
var sinkModes = []string{sdk.ModeFullRefresh, sdk.ModeAppend, sdk.ModeSnapshotDiff}

// strategyOffset is the incremental strategy the source implements: the
// checkpoint is the next offset of every partition.
const strategyOffset = "offset"

// Connector is the Kafka source and destination.
type Connector struct {
	// direct holds the transactions of the loads this process publishes
	// during Write (direct.go).
	direct directLoads
}

var (
	_ sdk.Source          = (*Connector)(nil)
	_ sdk.Destination     = (*Connector)(nil)
	_ sdk.Checker         = (*Connector)(nil)
	_ sdk.LoadStatuser    = (*Connector)(nil)
	_ sdk.StreamDescriber = (*Connector)(nil)
	_ io.Closer           = (*Connector)(nil)
)

// Close aborts the transactions of loads this process began and did not
// commit or abort (the host is done with it).
func (c *Connector) Close() error {
	c.direct.discardAll()
	return nil
}

// New returns a Kafka connector.
func New() sdk.Connector { return &Connector{} }

// Spec describes the connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "kafka",
		Version:               Version,
		Description:           "Apache Kafka topics: bounded batch source (offsets in dpone's state) and exactly-once transactional sink",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(sourceOptions{}),
		SinkOptionsSchema:     sdk.OptionsSchema(sinkOptions{}),
		SinkModes:             sinkModes,
		IncrementalStrategies: []string{strategyOffset},
		AtomicReceipts:        true,
		Transactions:          true,
		Fencing:               true,
	}
}
