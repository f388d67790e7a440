package duckdb

import (
	"encoding/json"
	"os"
	"time"
)

// logInfo writes one info line to stderr in hclog's JSON format, which the
// host shows with the plugin's name (plain lines would be debug only).
func logInfo(msg string, kv ...string) {
	line := map[string]string{"@level": "info", "@message": msg, "@module": "duckdb",
		"@timestamp": time.Now().Format("2006-01-02T15:04:05.000000Z07:00")}
	for i := 0; i+1 < len(kv); i += 2 {
		line[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(line)
	os.Stderr.Write(append(b, '\n'))
}
