// Command dpone-connector-bigquery is the dpone BigQuery connector plugin:
// a destination that stages Arrow batches as Parquet files in Cloud Storage
// and publishes them with one load job and one SQL transaction per load.
package main

import (
	"github.com/dpone-go/dpone/plugins/bigquery/bigquery"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(bigquery.New) }
