// Command dpone-connector-rest is the dpone source connector for JSON
// REST APIs, configured declaratively.
package main

import (
	"github.com/dpone-go/dpone/plugins/rest/rest"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(rest.New) }
