package kafka

import "github.com/dpone-go/dpone/sdk"

// logWarn writes one warning line to stderr for the host's log
// (sdk.LogStderr).
func logWarn(msg string, kv ...string) { sdk.LogStderr(sdk.LevelWarn, "kafka", msg, kv...) }
