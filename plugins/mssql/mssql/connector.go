// Package mssql is dpone's SQL Server connector: a source that streams a
// SELECT into Arrow records and a destination that bulk-copies into a
// staging heap and publishes it in one transaction with a receipt row.
//
// Every statement the connector runs is rendered by pure functions
// (tsql.go, modes.go, swap.go, partreplace.go, schema.go) and pinned by
// golden files, because no SQL Server can run on the machines that build
// dpone: the live suite runs only where DPONE_TEST_MSSQL_DSN names a
// server.
package mssql

import (
	"github.com/dpone-go/dpone/sdk"
)

// Version is the connector's release.
const Version = "0.1.0"

// Connector implements sdk.Source and sdk.Destination for SQL Server.
type Connector struct{}

var (
	_ sdk.Source       = (*Connector)(nil)
	_ sdk.Destination  = (*Connector)(nil)
	_ sdk.Checker      = (*Connector)(nil)
	_ sdk.LoadStatuser = (*Connector)(nil)
)

// New returns the connector; sdk.Serve calls it once per process.
func New() sdk.Connector { return &Connector{} }

// Spec names the connector and its modes. Only the modes CommitLoad
// implements are declared, so plan refuses the others before any I/O.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "mssql",
		Version:               Version,
		Description:           "SQL Server: streamed SELECT source; bulk copy sink with transactional publish and receipts",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(sourceOptions{}),
		SinkOptionsSchema:     sdk.OptionsSchema(SinkOptions{}),
		SinkModes:             sinkModes,
		IncrementalStrategies: []string{"column"},
		AtomicReceipts:        true,
		Transactions:          true,
		Fencing:               true,
	}
}
