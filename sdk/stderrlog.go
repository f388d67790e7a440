package sdk

import (
	"encoding/json"
	"os"
	"time"
)

// LogStderr writes one line to the plugin's stderr in hclog's JSON format,
// which the host logs at level with the plugin's name (a plain line would
// be debug only). Use it where no RecordWriter is at hand: a destination's
// BeginLoad, Write or CommitLoad. module names the plugin; kv are key and
// value pairs added to the line.
func LogStderr(level LogLevel, module, msg string, kv ...string) {
	name := "info"
	switch level {
	case LevelDebug:
		name = "debug"
	case LevelWarn:
		name = "warn"
	case LevelError:
		name = "error"
	}
	line := map[string]string{"@level": name, "@message": msg, "@module": module,
		"@timestamp": time.Now().Format("2006-01-02T15:04:05.000000Z07:00")}
	for i := 0; i+1 < len(kv); i += 2 {
		line[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(line)
	os.Stderr.Write(append(b, '\n'))
}
