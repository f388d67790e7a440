package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// faultPlugins builds connectors with -tags dpone_faults, whose SDK obeys
// DPONE_TEST_PLUGIN_FAULT (release builds ignore it), once per test
// process.
var faultPlugins struct {
	mu    sync.Mutex
	dir   string
	built map[string]error
}

// cmdFaultPlugins: faultplugins NAME...: point DPONE_PLUGIN_DIR at
// fault-injecting builds of the named connectors (every connector the
// script starts must be named).
func cmdFaultPlugins(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: faultplugins NAME...")
	}
	faultPlugins.mu.Lock()
	defer faultPlugins.mu.Unlock()
	if faultPlugins.dir == "" {
		dir, err := os.MkdirTemp("", "dpone-fault-plugins-")
		ts.Check(err)
		faultPlugins.dir, faultPlugins.built = dir, map[string]error{}
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	for _, name := range args {
		err, done := faultPlugins.built[name]
		if !done {
			cmd := exec.Command("go", "build", "-tags=duckdb_arrow,dpone_faults", "-o", filepath.Join(faultPlugins.dir, "dpone-connector-"+name), ".")
			cmd.Dir = filepath.Join(root, "plugins", name)
			if out, berr := cmd.CombinedOutput(); berr != nil {
				ts.Logf("%s", out)
				err = berr
			}
			faultPlugins.built[name] = err
		}
		if err != nil {
			ts.Fatalf("build fault-injecting plugin %s: %v", name, err)
		}
	}
	ts.Setenv("DPONE_PLUGIN_DIR", faultPlugins.dir)
}

// removeFaultPlugins deletes the fault-injecting builds.
func removeFaultPlugins() {
	faultPlugins.mu.Lock()
	defer faultPlugins.mu.Unlock()
	if faultPlugins.dir != "" {
		os.RemoveAll(faultPlugins.dir)
	}
}
