package connector

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plugin binary without the execute bit is reported as such, with the
// fix, not as "not found".
func TestFindNotExecutable(t *testing.T) {
	dir := t.TempDir()
	p := install(t, dir, "alpha")
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewRegistry([]string{dir}, nil).Find("alpha")
	if !errors.Is(err, ErrPluginNotExecutable) || errors.Is(err, ErrPluginNotFound) {
		t.Fatalf("got %v, want ErrPluginNotExecutable", err)
	}
	if want := "chmod +x " + p; !strings.Contains(err.Error(), want) {
		t.Errorf("got %q, want it to contain %q", err, want)
	}
}

// A binary that prints something other than the handshake is "not a dpone
// connector", quoting what it printed, not "signal: killed".
func TestLaunchGarbagePlugin(t *testing.T) {
	t.Setenv("DPONE_TESTPLUGIN_MODE", "garbage")
	_, err := Launch(context.Background(), "test", testPluginPath(), LaunchOptions{})
	if !errors.Is(err, ErrNotAPlugin) {
		t.Fatalf("got %v, want ErrNotAPlugin", err)
	}
	for _, want := range []string{testPluginPath(), "Usage: frobnicate [options] FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "killed") {
		t.Errorf("got %q, want no mention of the kill dpone did itself", err)
	}
}

// A random file with the execute bit is not a plugin either.
func TestLaunchNotAnExecutable(t *testing.T) {
	p := filepath.Join(t.TempDir(), BinaryPrefix+"junk")
	if err := os.WriteFile(p, []byte{0x7f, 'E', 'L', 'F', 0, 1, 2, 3, 4}, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Launch(context.Background(), "junk", p, LaunchOptions{})
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "exec format error") {
		t.Fatalf("got %v, want an error naming %s and exec format error", err, p)
	}
}

// A plugin that panics: the error shows the panic and where it happened,
// whatever the log level.
func TestLaunchPanicFirstLines(t *testing.T) {
	t.Setenv("DPONE_TESTPLUGIN_MODE", "panic")
	_, err := Launch(context.Background(), "test", testPluginPath(), LaunchOptions{})
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want an ExitError", err)
	}
	for _, want := range []string{"panic: assignment to entry in nil map", "main.startMode", "modes.go:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
}
