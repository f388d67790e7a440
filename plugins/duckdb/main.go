// Command dpone-connector-duckdb is the dpone DuckDB connector: a source
// and a destination for DuckDB database files.
package main

import (
	"github.com/dpone-go/dpone/plugins/duckdb/duckdb"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(duckdb.New) }
