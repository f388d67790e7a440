// Command dpone-connector-clickhouse is the dpone ClickHouse connector
// plugin: a source (native-protocol queries into Arrow batches) and a
// destination (columnar native inserts into staging, one atomic publish
// step per load with receipts).
package main

import (
	"github.com/dpone-go/dpone/plugins/clickhouse/clickhouse"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(clickhouse.New) }
