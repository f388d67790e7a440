package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// pgserver start|stop NAME: a PostgreSQL server of the script's own (not
// the shared test server), through scripts/pg.sh, for scripts that stop and
// restart their target. start sets PG_DSN and DPONE_CONN_PG_DSN; a stop
// then start of the same NAME keeps the data and the port. The server is
// stopped and its files removed when the script ends.
func cmdPgServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || (args[0] != "start" && args[0] != "stop") {
		ts.Fatalf("usage: pgserver start|stop NAME")
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "pg.sh")
	// Outside $WORK: as root, pg.sh runs the server as the postgres user,
	// who cannot enter the script's private work directory.
	env := "PGSERVER_DIR_" + args[1]
	dir := ts.Getenv(env)
	if dir == "" {
		d, err := os.MkdirTemp("", "dpone-script-pg-")
		ts.Check(err)
		ts.Check(os.Chmod(d, 0o755))
		dir = d
		ts.Setenv(env, dir)
		ts.Defer(func() {
			_ = exec.Command(script, "stop", dir).Run()
			_ = os.RemoveAll(dir)
		})
	}
	out, err := exec.Command(script, args[0], dir).CombinedOutput()
	if err != nil {
		ts.Fatalf("pg.sh %s %s: %v\n%s", args[0], dir, err, out)
	}
	if args[0] == "stop" {
		return
	}
	_, dsn, ok := strings.Cut(strings.TrimSpace(string(out)), "DPONE_TEST_PG_DSN=")
	if !ok {
		ts.Fatalf("pg.sh start: no DSN in %q", out)
	}
	ts.Setenv("PG_DSN", dsn)
	ts.Setenv("DPONE_CONN_PG_DSN", dsn)
}
