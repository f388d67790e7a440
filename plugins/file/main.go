// Command dpone-connector-file is the dpone source connector for CSV, JSONL
// and Parquet files on a local filesystem.
package main

import (
	"github.com/dpone-go/dpone/plugins/file/file"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(file.New) }
