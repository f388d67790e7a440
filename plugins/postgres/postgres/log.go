package postgres

import "github.com/dpone-go/dpone/sdk"

// logInfo writes one info line to stderr for the host's log (sdk.LogStderr).
func logInfo(msg string, kv ...string) { sdk.LogStderr(sdk.LevelInfo, "postgres", msg, kv...) }
