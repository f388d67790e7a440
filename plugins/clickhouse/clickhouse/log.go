package clickhouse

import (
	"encoding/json"
	"os"
	"time"
)

// logWarn writes one warning line to stderr in hclog's JSON format, which
// the host shows with the plugin's name (plain lines would be debug only).
func logWarn(msg string, kv ...string) {
	line := map[string]string{"@level": "warn", "@message": msg, "@module": "clickhouse",
		"@timestamp": time.Now().Format("2006-01-02T15:04:05.000000Z07:00")}
	for i := 0; i+1 < len(kv); i += 2 {
		line[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(line)
	os.Stderr.Write(append(b, '\n'))
}
