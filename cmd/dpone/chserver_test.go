package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdChServer gives a script a ClickHouse server of its own, started by
// scripts/clickhouse.sh in a directory that lives as long as the script:
//
//	chserver start   start it, or start it again if it died (the data
//	                 directory is kept; a restarted server may get new
//	                 ports), and point DPONE_CONN_CH_DSN and CH_HTTP at it
//
// chDB's server exits when a client's connection drops in the middle of a
// packet, which a test that SIGKILLs the sink plugin mid-Write causes on
// purpose: such a script must not take the shared server down with it.
func cmdChServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || args[0] != "start" {
		ts.Fatalf("usage: chserver start")
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "clickhouse.sh")
	dir := ts.Getenv("CHSERVER_DIR")
	if dir == "" {
		d, err := os.MkdirTemp("", "dpone-script-ch-")
		ts.Check(err)
		dir = d
		ts.Setenv("CHSERVER_DIR", dir)
		ts.Defer(func() {
			_ = exec.Command(script, "stop", dir).Run()
			_ = os.RemoveAll(dir)
		})
	}
	out, err := exec.Command(script, "start", dir).CombinedOutput()
	if err != nil {
		ts.Fatalf("clickhouse.sh start %s: %v\n%s", dir, err, out)
	}
	vars := map[string]string{}
	for _, f := range strings.Fields(strings.TrimPrefix(strings.TrimSpace(string(out)), "export ")) {
		if k, v, ok := strings.Cut(f, "="); ok {
			vars[k] = v
		}
	}
	if vars["DPONE_TEST_CH_DSN"] == "" || vars["DPONE_TEST_CH_HTTP"] == "" {
		ts.Fatalf("clickhouse.sh start: no DSN in %q", out)
	}
	ts.Setenv("DPONE_CONN_CH_DSN", vars["DPONE_TEST_CH_DSN"])
	ts.Setenv("CH_HTTP", vars["DPONE_TEST_CH_HTTP"])
}
