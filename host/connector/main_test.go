package connector

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// pluginDir holds dpone-connector-test, built once from internal/testplugin.
var pluginDir string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "dpone-connector-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, BinaryPrefix+"test"), "./internal/testplugin")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build test plugin:", err)
		return 1
	}
	pluginDir = dir
	return m.Run()
}

func testPluginPath() string { return filepath.Join(pluginDir, BinaryPrefix+"test") }

// launchTest starts the test plugin and closes it when the test ends.
func launchTest(t testing.TB, opts LaunchOptions) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Launch(ctx, "test", testPluginPath(), opts)
	if err != nil {
		t.Fatalf("launch test plugin: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
