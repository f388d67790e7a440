package sdk

import (
	"io"
	"os"

	"github.com/hashicorp/go-hclog"
)

// LogStderr writes one line to the plugin's stderr in hclog's JSON format
// (as Serve's logger does), which the host logs at level with the
// plugin's name (a plain line would be debug only). Use it where no
// RecordWriter is at hand: a destination's BeginLoad, Write or
// CommitLoad. module names the plugin; kv are key and value pairs added
// to the line.
func LogStderr(level LogLevel, module, msg string, kv ...string) {
	logTo(os.Stderr, level, module, msg, kv...)
}

func logTo(w io.Writer, level LogLevel, module, msg string, kv ...string) {
	hl := hclog.Info
	switch level {
	case LevelDebug:
		hl = hclog.Debug
	case LevelWarn:
		hl = hclog.Warn
	case LevelError:
		hl = hclog.Error
	}
	args := make([]any, len(kv))
	for i, v := range kv {
		args[i] = v
	}
	hclog.New(&hclog.LoggerOptions{Name: module, Output: w, JSONFormat: true, Level: hclog.Trace}).Log(hl, msg, args...)
}
