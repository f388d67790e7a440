package cli

import (
	"runtime"
	"testing"
)

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, "version")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	wantOutput(t, "version", out, "dpone test\n", "connector protocol: v1 (supported: v1)", runtime.Version())
}
