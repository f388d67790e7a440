package cli

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildDpone builds the dpone binary: these tests need a real process to
// break its pipe or interrupt it.
func buildDpone(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds dpone: skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "dpone")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/dpone-go/dpone/cmd/dpone").CombinedOutput()
	if err != nil {
		t.Fatalf("build dpone: %v\n%s", err, out)
	}
	return bin
}

// processesOf lists the pids whose executable is path.
func processesOf(t *testing.T, path string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var pids []string
	for _, e := range ents {
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.TrimSuffix(exe, " (deleted)") == path {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// TestCertifyEndsPluginOnEveryExit: however certify ends early — its
// output pipe closed (certify | head), Ctrl-C — no plugin process
// outlives it.
func TestCertifyEndsPluginOnEveryExit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	dpone := buildDpone(t)
	src, err := os.ReadFile(filepath.Join(testPluginDir(t), "dpone-connector-test"))
	if err != nil {
		t.Fatal(err)
	}
	fixture := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(fixture, []byte("config: {}\nload: {rows: 200000}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		stop func(cmd *exec.Cmd, out io.ReadCloser)
	}{
		{"broken pipe", func(_ *exec.Cmd, out io.ReadCloser) { out.Close() }},
		{"interrupt", func(cmd *exec.Cmd, _ io.ReadCloser) { _ = cmd.Process.Signal(os.Interrupt) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A copy of its own, so its processes are this test's.
			plugin := filepath.Join(t.TempDir(), "dpone-connector-test")
			if err := os.WriteFile(plugin, src, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(dpone, "certify", plugin, "--fixture", fixture, "--report", t.TempDir(), "-v")
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdout, cmd.Stderr = w, w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			// Wait until the suite runs against a live plugin.
			lines := bufio.NewReader(r)
			for len(processesOf(t, plugin)) == 0 {
				if _, err := lines.ReadString('\n'); err != nil {
					t.Fatalf("certify ended before the plugin started: %v", err)
				}
			}
			tc.stop(cmd, r)
			if tc.name != "broken pipe" {
				go func() { _, _ = io.Copy(io.Discard, r) }()
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(60 * time.Second): // generous: it takes milliseconds
				_ = cmd.Process.Kill()
				t.Fatal("certify did not end")
			}
			// An orderly end: dpone exits (130: interrupted), no signal kills it.
			if st := cmd.ProcessState; !st.Exited() || st.ExitCode() != ExitInterrupted {
				t.Errorf("%s: certify ended with %v, want exit status %d", tc.name, st, ExitInterrupted)
			}
			// The plugin gets a moment to go: the kernel reaps it.
			deadline := time.Now().Add(5 * time.Second)
			for len(processesOf(t, plugin)) > 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if left := processesOf(t, plugin); len(left) > 0 {
				for _, pid := range left {
					if p, err := os.FindProcess(atoi(pid)); err == nil {
						_ = p.Signal(syscall.SIGKILL)
					}
				}
				t.Errorf("%s: plugin processes %v outlived certify (exit: %v)", tc.name, left, cmd.ProcessState)
			}
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
