// Command dpone-connector-mssql is the dpone SQL Server connector plugin: a
// source (streamed SELECT into Arrow) and a destination (TDS bulk copy into
// a staging heap, transactional publish with receipts).
package main

import (
	"github.com/dpone-go/dpone/plugins/mssql/mssql"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(mssql.New) }
