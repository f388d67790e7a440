package cli

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

func TestCertifyUsage(t *testing.T) {
	fixture := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(fixture, []byte("config: {}\nbogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no fixture flag", []string{"certify", "test"}, "--fixture is required"},
		{"unknown plugin", []string{"certify", "nosuch", "--fixture", fixture}, "no dpone-connector-nosuch"},
		{"missing binary", []string{"certify", "./nosuch/bin", "--fixture", fixture}, "no such file"},
		{"bad fixture", []string{"certify", "test", "--fixture", fixture}, `unknown field "bogus"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, tc.args...)
			if code != ExitUsage {
				t.Errorf("got exit %d, want %d (stderr %q)", code, ExitUsage, errOut)
			}
			wantOutput(t, "stderr", errOut, tc.want)
		})
	}
}

// testCertify certifies the scaffolded binary out of process with its
// certify.yaml, then with a fixture that expects the wrong data.
func testCertify(t *testing.T, dir, bin string) {
	data := t.TempDir()
	t.Setenv("CERTIFY_DIR", data)
	report := filepath.Join(t.TempDir(), "report")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	out, errOut, code := runCLI(t, "certify", bin, "--fixture", filepath.Join(dir, "certify.yaml"), "--report", report, "--junit", junit)
	if code != ExitOK {
		t.Fatalf("certify: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantOutput(t, "stdout", out, "plugin acme 0.1.0 (protocol 1, sdk "+sdk.Version+", suite "+sdk.Version+")", "sha256 ", "crash", "PASS", "read      ", "peak RSS", "PASSED:")
	var rep struct {
		Plugin struct {
			Name, SHA256, Mode string
			SDKVersion         string `json:"sdk_version"`
			SuiteVersion       string `json:"suite_version"`
			ProtocolVersion    int    `json:"protocol_version"`
		}
		Checks []struct {
			Name, Status string
		}
		Metrics map[string]float64
	}
	b, err := os.ReadFile(filepath.Join(report, "certification.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Plugin.Name != "acme" || rep.Plugin.Mode != "out-of-process" || len(rep.Plugin.SHA256) != 64 {
		t.Errorf("report plugin: got %+v, want acme, out-of-process, a sha256", rep.Plugin)
	}
	if rep.Plugin.SDKVersion != sdk.Version || rep.Plugin.SuiteVersion != sdk.Version || rep.Plugin.ProtocolVersion != 1 {
		t.Errorf("report versions: got sdk %q, suite %q, protocol %d; want sdk and suite %s, protocol 1",
			rep.Plugin.SDKVersion, rep.Plugin.SuiteVersion, rep.Plugin.ProtocolVersion, sdk.Version)
	}
	for _, m := range []string{"read_rows_per_sec", "write_rows_per_sec", "peak_rss_mb"} {
		if rep.Metrics[m] <= 0 {
			t.Errorf("metric %s: got %v, want > 0", m, rep.Metrics[m])
		}
	}
	var ju struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if b, err := os.ReadFile(junit); err != nil {
		t.Errorf("--junit: %v", err)
	} else if err := xml.Unmarshal(b, &ju); err != nil || len(ju.Suites) != 1 || len(ju.Suites[0].Cases) != len(rep.Checks) {
		t.Errorf("--junit: got %v, %+v; want one suite with a testcase per check (%d)", err, ju, len(rep.Checks))
	}
	if md, err := os.ReadFile(filepath.Join(report, "certification.md")); err != nil || !strings.Contains(string(md), "| crash | PASS |") {
		t.Errorf("certification.md: %v\n%s", err, md)
	}

	// Wrong expectations fail the run with exit 1 and say which check.
	f, err := os.ReadFile(filepath.Join(dir, "certify.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(t.TempDir(), "wrong.yaml")
	if err := os.WriteFile(wrong, []byte(strings.Replace(string(f), "row_count: 100000", "row_count: 99999", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code = runCLI(t, "certify", bin, "--fixture", wrong, "--report", t.TempDir(), "--destination=false", "--source")
	if code != ExitFailed {
		t.Fatalf("certify with a wrong row count: got exit %d, want %d\n%s", code, ExitFailed, out)
	}
	wantOutput(t, "stdout", out, "read/events", "got 100000 rows, want 99999", "FAILED:")
}
