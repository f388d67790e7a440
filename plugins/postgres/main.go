// Command dpone-connector-postgres is the dpone PostgreSQL connector plugin:
// a source (binary COPY out) and a destination (binary COPY into staging,
// transactional commit with receipts).
package main

import (
	"github.com/dpone-go/dpone/plugins/postgres/postgres"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(postgres.New) }
