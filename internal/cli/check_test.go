package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "cfg.json")
	if err := os.WriteFile(cfgFile, []byte(`{"fail":"CONNECT"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		config string
		code   int
		stdout string
		stderr string
	}{
		{"ok", `{}`, ExitOK, "ok: test config checked", ""},
		{"no config", ``, ExitOK, "ok: test config checked", ""},
		{"auth", `{"fail":"AUTH"}`, ExitFailed, "", "error: test: AUTH: test failure AUTH"},
		{"config error is usage", `{"fail":"CONFIG"}`, ExitUsage, "", "test: CONFIG: test failure CONFIG"},
		{"invalid JSON", `{`, ExitUsage, "", "--config is not valid JSON"},
		{"from file", "@" + cfgFile, ExitFailed, "", "test: CONNECT: test failure CONNECT"},
		{"missing file", "@" + cfgFile + ".missing", ExitUsage, "", "no such file"},
		{"plugin exits", `{"exit":3}`, ExitFailed, "", "connector test exited (exit status 3) during Check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "check", "test", "--config", tc.config)
			if code != tc.code {
				t.Errorf("got exit %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			wantOutput(t, "stdout", out, tc.stdout)
			wantOutput(t, "stderr", errOut, tc.stderr)
		})
	}
}
