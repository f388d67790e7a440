// Package postgres is dpone's PostgreSQL connector: a Source that streams
// tables and queries through binary COPY straight into Arrow builders, and a
// Destination that encodes Arrow records into binary COPY into an UNLOGGED
// staging table and publishes them in one transaction with a receipt row.
//
// Config: {"dsn": "postgres://user:pass@host:5432/db?sslmode=disable"}.
// The native↔logical type mapping is documented in docs/types/postgres.md.
package postgres

import (
	"github.com/dpone-go/dpone/sdk"
)

// Version is the connector's semantic version.
const Version = "0.1.0"

// Connector is the PostgreSQL source and destination. It holds no
// connection between calls: every call opens its own, so concurrent calls
// (parallel Writes to one load, reads of several streams) never share one.
// The one exception is Partition's coordinator transaction, kept open until
// the partitions have imported its snapshot (see Partition).
type Connector struct {
	snapshots snapshots
}

// New returns the connector; sdk.Serve calls it once per plugin process.
func New() sdk.Connector { return &Connector{} }

var (
	_ sdk.Source          = (*Connector)(nil)
	_ sdk.Destination     = (*Connector)(nil)
	_ sdk.Checker         = (*Connector)(nil)
	_ sdk.TargetDescriber = (*Connector)(nil)
	_ sdk.SchemaApplier   = (*Connector)(nil)
	_ sdk.LoadStatuser    = (*Connector)(nil)
	_ sdk.Partitioner     = (*Connector)(nil)
)

// Spec describes the connector and what it claims.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "postgres",
		Version:               Version,
		Description:           "PostgreSQL source (binary COPY; incremental by cursor column or xmin, where xmin and lookback re-read rows and need incremental_merge to stay duplicate-free) and destination (staging + transactional commit)",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(readOptions{}),
		SinkOptionsSchema:     sdk.OptionsSchema(struct{}{}), // no options of its own: plan refuses any key
		SinkModes:             sinkModes,
		IncrementalStrategies: []string{"column", "xmin"},
		AtomicReceipts:        true,
		Transactions:          true,
		Fencing:               true,
		CursorRange:           true,
	}
}
