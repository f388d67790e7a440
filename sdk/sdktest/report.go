package sdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// Status is a check's outcome.
type Status string

// Check outcomes.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// ReportVersion is the schema version of the JSON report.
const ReportVersion = 1

// Report is the outcome of a certification run: one Check per named
// subtest, the measurements, and who was certified.
type Report struct {
	Version  int        `json:"report_version"`
	Plugin   PluginInfo `json:"plugin"`
	Started  time.Time  `json:"started"`
	Duration string     `json:"duration"`
	Checks   []Check    `json:"checks"`
	// Metrics are measured numbers: read_rows_per_sec, write_rows_per_sec,
	// peak_rss_mb, cancel_seconds, ...
	Metrics map[string]float64 `json:"metrics,omitempty"`

	mu    sync.Mutex
	start time.Time
}

// PluginInfo identifies the certified connector.
type PluginInfo struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	ProtocolVersion int32  `json:"protocol_version"`
	// SDKVersion is the SDK release the plugin is built with (GetSpec);
	// empty for plugins built before SDK v0.1.0.
	SDKVersion string `json:"sdk_version"`
	// SuiteVersion is the release of this certification suite (the SDK
	// module it belongs to).
	SuiteVersion string   `json:"suite_version"`
	Path         string   `json:"path,omitempty"`
	SHA256       string   `json:"sha256,omitempty"`
	Mode         string   `json:"mode"`
	Capabilities []string `json:"capabilities,omitempty"`
}

// Check is one named check.
type Check struct {
	Name     string   `json:"name"`
	Status   Status   `json:"status"`
	Reason   string   `json:"reason,omitempty"`
	Errors   []string `json:"errors,omitempty"`
	Notes    []string `json:"notes,omitempty"`
	Duration string   `json:"duration"`
}

func newReport() *Report {
	now := time.Now()
	return &Report{Version: ReportVersion, Started: now.UTC(), start: now, Metrics: map[string]float64{},
		Plugin: PluginInfo{SuiteVersion: sdk.Version}}
}

func (r *Report) add(c Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Checks = append(r.Checks, c)
	r.Duration = time.Since(r.start).Round(time.Millisecond).String()
}

func (r *Report) metric(name string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Metrics[name] = v
}

// Passed reports whether no check failed.
func (r *Report) Passed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.Checks {
		if c.Status == Fail {
			return false
		}
	}
	return true
}

// Counts returns how many checks passed, failed and were skipped.
func (r *Report) Counts() (pass, fail, skip int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.Checks {
		switch c.Status {
		case Pass:
			pass++
		case Fail:
			fail++
		case Skip:
			skip++
		}
	}
	return pass, fail, skip
}

// JSON renders the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return json.MarshalIndent(r, "", "  ")
}

// Markdown renders the report for humans.
func (r *Report) Markdown() string {
	pass, fail, skip := r.Counts()
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	verdict := "PASSED"
	if fail > 0 {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "# Certification: %s %s — %s\n\n", r.Plugin.Name, r.Plugin.Version, verdict)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| plugin | %s %s (protocol %d) |\n", r.Plugin.Name, r.Plugin.Version, r.Plugin.ProtocolVersion)
	fmt.Fprintf(&b, "| sdk | %s |\n| suite | %s |\n", orUnknown(r.Plugin.SDKVersion), r.Plugin.SuiteVersion)
	if r.Plugin.Path != "" {
		fmt.Fprintf(&b, "| binary | `%s` |\n", r.Plugin.Path)
	}
	if r.Plugin.SHA256 != "" {
		fmt.Fprintf(&b, "| sha256 | `%s` |\n", r.Plugin.SHA256)
	}
	fmt.Fprintf(&b, "| mode | %s |\n", r.Plugin.Mode)
	if len(r.Plugin.Capabilities) > 0 {
		fmt.Fprintf(&b, "| capabilities | %s |\n", strings.Join(r.Plugin.Capabilities, ", "))
	}
	fmt.Fprintf(&b, "| started | %s |\n| duration | %s |\n", r.Started.Format(time.RFC3339), r.Duration)
	fmt.Fprintf(&b, "| result | %d passed, %d failed, %d skipped |\n\n", pass, fail, skip)
	b.WriteString("## Checks\n\n| check | status | details |\n|---|---|---|\n")
	for _, c := range r.Checks {
		var details []string
		if c.Reason != "" {
			details = append(details, c.Reason)
		}
		details = append(details, c.Errors...)
		details = append(details, c.Notes...)
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, strings.ToUpper(string(c.Status)), mdCell(strings.Join(details, "\n")))
	}
	if len(r.Metrics) > 0 {
		b.WriteString("\n## Measurements\n\n| metric | value |\n|---|---|\n")
		keys := make([]string, 0, len(r.Metrics))
		for k := range r.Metrics {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "| %s | %s |\n", k, formatMetric(r.Metrics[k]))
		}
	}
	return b.String()
}

func formatMetric(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// Table renders the checks as a plain-text table for a terminal.
func (r *Report) Table() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	width := len("CHECK")
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-6s  %s\n", width, "CHECK", "STATUS", "DETAILS")
	for _, c := range r.Checks {
		detail := c.Reason
		if len(c.Errors) > 0 {
			detail = c.Errors[0]
			if len(c.Errors) > 1 {
				detail += fmt.Sprintf(" (+%d more)", len(c.Errors)-1)
			}
		} else if detail == "" && len(c.Notes) > 0 {
			detail = c.Notes[0]
		}
		if i := strings.IndexByte(detail, '\n'); i >= 0 {
			detail = detail[:i] + " ..."
		}
		fmt.Fprintf(&b, "%-*s  %-6s  %s\n", width, c.Name, strings.ToUpper(string(c.Status)), detail)
	}
	return b.String()
}

// WriteFiles writes certification.json and certification.md into dir.
func (r *Report) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	j, err := r.JSON()
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certification.json"), append(j, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certification.md"), []byte(r.Markdown()), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// orUnknown names an SDK version a plugin did not report.
func orUnknown(v string) string {
	if v == "" {
		return "unknown (before v0.1.0)"
	}
	return v
}
