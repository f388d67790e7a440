package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/host/connector"
)

// connectors lock without a manifest pins every installed connector; a
// command given --lock-file refuses a binary that differs from its pin.
func TestConnectorsLockFile(t *testing.T) {
	// Only the test plugin: make test also exports DPONE_PLUGIN_DIR.
	t.Setenv("DPONE_PLUGIN_DIR", "")
	lock := filepath.Join(t.TempDir(), "pins.json")
	out, errOut, code := runCLI(t, "--lock-file", lock, "connectors", "lock")
	if code != ExitOK {
		t.Fatalf("lock: exit %d: %s", code, errOut)
	}
	wantOutput(t, "lock", out, "test", "0.0.1", "sha256:", "wrote "+lock+" (1 connectors)")
	lf, err := connector.ReadLockFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	sum := lf.Connectors["test"].SHA256
	if len(sum) != 64 || lf.Connectors["test"].Version != "0.0.1" {
		t.Fatalf("lock file: got %+v, want test 0.0.1 with a sha256", lf.Connectors)
	}
	if _, errOut, code := runCLI(t, "--lock-file", lock, "check", "test"); code != ExitOK {
		t.Fatalf("check with a matching lock: exit %d: %s", code, errOut)
	}

	other := strings.Repeat("0", 64)
	b, _ := os.ReadFile(lock)
	if err := os.WriteFile(lock, []byte(strings.Replace(string(b), sum, other, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "--lock-file", lock, "check", "test")
	if code != ExitUsage {
		t.Errorf("check with a mismatching lock: got exit %d, want %d", code, ExitUsage)
	}
	wantOutput(t, "mismatch", errOut, "has sha256 "+sum, "pins sha256 "+other, "dpone connectors lock")
	if regexp.MustCompile(`plugin test: .* sha256:`).MatchString(errOut) {
		t.Errorf("the refused binary was started: %s", errOut)
	}
}
