package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	pluginOnce sync.Once
	pluginDir  string
	pluginErr  error
)

// testPluginDir builds host/connector's test plugin (a real connector
// binary speaking protocol v1) once per test process.
func testPluginDir(t *testing.T) string {
	t.Helper()
	pluginOnce.Do(func() {
		pluginDir = filepath.Join(os.TempDir(), "dpone-cli-test-plugins")
		out, err := exec.Command("go", "build", "-o", filepath.Join(pluginDir, "dpone-connector-test"),
			"github.com/dpone-go/dpone/host/connector/internal/testplugin").CombinedOutput()
		if err != nil {
			pluginErr = err
			pluginDir = string(out)
		}
	})
	if pluginErr != nil {
		t.Fatalf("build test plugin: %v\n%s", pluginErr, pluginDir)
	}
	return pluginDir
}

// runCLI runs dpone with the test plugin installed and returns stdout,
// stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"--plugin-dir", testPluginDir(t)}, args...)
	code := Run(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut}, "test")
	return out.String(), errOut.String(), code
}

// wantOutput fails unless got contains every one of want.
func wantOutput(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: got\n%s\nwant it to contain %q", what, got, w)
		}
	}
}

func TestConnectorsList(t *testing.T) {
	out, errOut, code := runCLI(t, "connectors", "list")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOutput(t, "list", out, "NAME", "VERSION", "PROTOCOL", "CAPABILITIES", "PATH",
		"test", "0.0.1", "v1", "source(full) sink(full_refresh) +check", filepath.Join(testPluginDir(t), "dpone-connector-test"))

	out, errOut, code = runCLI(t, "connectors", "list", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var entries []listEntry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	var found bool
	for _, e := range entries {
		if e.Name == "test" {
			found = e.Version == "0.0.1" && e.ProtocolVersion == 1 && len(e.SHA256) == 64 && e.Error == ""
		}
	}
	if !found {
		t.Errorf("list --json: got %s, want the test connector with version, protocol and sha256", out)
	}
}

func TestConnectorsInfo(t *testing.T) {
	out, errOut, code := runCLI(t, "connectors", "info", "test")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOutput(t, "info", out, "name:         test", "protocol:     v1", "config schema:", `"type": "object"`, `"fail": {`)

	_, errOut, code = runCLI(t, "connectors", "info", "nosuch")
	if code != ExitUsage {
		t.Errorf("info nosuch: got exit %d, want %d", code, ExitUsage)
	}
	wantOutput(t, "info nosuch", errOut, "dpone-connector-nosuch", "make build", "--plugin-dir")
}
