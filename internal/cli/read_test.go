package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadTable(t *testing.T) {
	out, errOut, code := runCLI(t, "read", "test", "rows", "--options", `{"rows":2500}`, "--limit", "4")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "id  name\n0   name-0\n1   name-1\n2   name-2\n3   NULL\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	wantOutput(t, "stderr", errOut, "(4 rows shown; stopped at --limit 4)")
}

func TestReadJSONL(t *testing.T) {
	out, errOut, code := runCLI(t, "read", "test", "bench", "--options", `{"rows":100000}`, "--limit", "2", "--format", "jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := []string{
		`{"id":0,"qty":0,"price":0,"sku":"SKU-00000000","note":"note 0 ok","at":"2026-01-01T00:00:00Z","ok":null,"amount":"0.0000"}`,
		`{"id":1,"qty":1,"price":1.25,"sku":"SKU-00000001","note":"note 1 ok","at":"2026-01-01T00:00:00.001Z","ok":false,"amount":"1.2345"}`,
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(out), "\n")); diff != "" {
		t.Errorf("jsonl (-want +got):\n%s", diff)
	}
}

// TestReadStopsAtLimit reads a stream that never ends: the preview must
// cancel it after --limit rows instead of waiting.
func TestReadStopsAtLimit(t *testing.T) {
	out, errOut, code := runCLI(t, "read", "test", "block", "--limit", "3")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\n"); n != 4 {
		t.Errorf("got %d lines, want header + 3 rows:\n%s", n, out)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"read", "test", "error:NOT_FOUND"}, ExitFailed, "test: NOT_FOUND: test failure NOT_FOUND"},
		{[]string{"read", "test", "error:CONFIG"}, ExitUsage, "test: CONFIG"},
		{[]string{"read", "test", "panic"}, ExitFailed, "connector test exited (exit status 2) during Read: panic: testplugin: boom"},
		{[]string{"read", "test", "rows", "--format", "csv"}, ExitUsage, `--format "csv"`},
		{[]string{"read", "test", "rows", "--options", "nope"}, ExitUsage, "--options is not valid JSON"},
		{[]string{"read", "test"}, ExitUsage, "accepts 2 arg(s)"},
	} {
		t.Run(strings.Join(tc.args[2:], " "), func(t *testing.T) {
			_, errOut, code := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("got exit %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			wantOutput(t, "stderr", errOut, tc.stderr)
		})
	}
}

// TestReadCountsInWords: one row is "1 row", not "1 rows".
func TestReadCountsInWords(t *testing.T) {
	_, errOut, code := runCLI(t, "read", "test", "rows", "--options", `{"rows":1}`)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOutput(t, "stderr", errOut, "(1 row)")
	_, errOut, code = runCLI(t, "read", "test", "rows", "--options", `{"rows":2500}`, "--limit", "1")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOutput(t, "stderr", errOut, "(1 row shown; stopped at --limit 1)")
}
