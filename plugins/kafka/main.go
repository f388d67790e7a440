// Command dpone-connector-kafka is the dpone Kafka connector: a bounded
// batch source over topics (offsets kept in dpone's state) and an
// exactly-once transactional sink.
package main

import (
	"github.com/dpone-go/dpone/plugins/kafka/kafka"
	"github.com/dpone-go/dpone/sdk"
)

func main() { sdk.Serve(kafka.New) }
