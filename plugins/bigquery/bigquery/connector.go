// Package bigquery is dpone's BigQuery connector. As a destination, Arrow
// batches become Parquet files staged in Cloud Storage, one load job per
// load fills a staging table, and one multi-statement transaction
// publishes it into the target together with the load's receipt in
// _dpone_loads. As a source, tables are read through the Storage Read API
// in Arrow format, its parallel streams as partitions, or through
// tabledata.list where that API is unavailable; queries and incremental
// reads (incremental_strategy: column) run one query job ordered by the
// cursor and read its results with jobs.getQueryResults.
package bigquery

import (
	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

var (
	_ sdk.Source          = (*Connector)(nil)
	_ sdk.Destination     = (*Connector)(nil)
	_ sdk.Partitioner     = (*Connector)(nil)
	_ sdk.StreamDescriber = (*Connector)(nil)
)

// version is this connector's release.
const version = "0.1.0"

// Connector is the BigQuery source and destination. Staging names derive
// from the load id; the only state between calls is the sink.staging
// loads this process writes (one objstage.Load per load id, shared by its
// Write streams, so its manifest lists every part).
type Connector struct {
	objects objstage.Loads // sink.staging loads of this process
}

// New returns a Connector; sdk.Serve calls it.
func New() sdk.Connector { return &Connector{} }

// Spec describes the connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "bigquery",
		Version:               version,
		Description:           "BigQuery source (Storage Read API, tabledata.list, queries, column cursors) and destination (Parquet staged in Cloud Storage, config bucket or sink.staging type gcs, load jobs, transactional publish with receipts)",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(sourceOptions{}),
		SinkOptionsSchema:     sdk.OptionsSchema(sinkOptions{}),
		SinkModes:             sinkModes,
		IncrementalStrategies: []string{"column"},
		AtomicReceipts:        true,
		Transactions:          true,
		Fencing:               true,
		SchemaOps:             schemaOps,
		StagingTypes:          stagingTypes,
	}
}
