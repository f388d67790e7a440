//go:build dpone_faults

package sdk

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// faultAfterBatches reads DPONE_TEST_PLUGIN_FAULT=<connector>:<phase>:<n>
// (phase read or write) and returns after how many batches of that phase
// this plugin process kills itself with SIGKILL, or 0. It exists for the
// crash-safety suite, which must kill a plugin mid-stream, and only in
// plugins built with -tags dpone_faults (cmd/dpone's scripts build them
// with the faultplugins command); release builds use fault_off.go.
func faultAfterBatches(connector, phase string) int {
	spec := os.Getenv("DPONE_TEST_PLUGIN_FAULT")
	if spec == "" {
		return 0
	}
	parts := strings.Split(spec, ":")
	if len(parts) != 3 || parts[0] != connector || parts[1] != phase {
		return 0
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// crashAt kills the process when count reaches at (at > 0).
func crashAt(count, at int) {
	if at > 0 && count >= at {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
}

var (
	faultMu     sync.Mutex
	faultPasses = map[string]int{}
)

// FaultPoint kills this plugin process with SIGKILL the n-th time it
// passes point when DPONE_TEST_PLUGIN_FAULT=<connector>:<point>:<n>: a
// connector marks the steps between which a crash must be survivable
// (e.g. a sink's publish and its receipt) for the crash-safety suite. Only
// in plugins built with -tags dpone_faults; a no-op in release builds.
func FaultPoint(connector, point string) {
	at := faultAfterBatches(connector, point)
	if at == 0 {
		return
	}
	faultMu.Lock()
	faultPasses[point]++
	n := faultPasses[point]
	faultMu.Unlock()
	crashAt(n, at)
}
