package evidence

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Metrics holds one run's Prometheus metrics and renders them in the text
// exposition format (version 0.0.4), without a client library. It is safe
// for concurrent use; serve it as the /metrics handler during a run and/or
// write it with WriteTextfile for node_exporter's textfile collector.
//
// Series (labels manifest and unit):
//
//	dpone_rows_read_total, dpone_rows_written_total,
//	dpone_rows_quarantined_total, dpone_bytes_total      counters
//	dpone_unit_duration_seconds                          gauge
//	dpone_run_status{manifest,run_id,status}             gauge, 1 for the current status
type Metrics struct {
	mu       sync.Mutex
	manifest string
	runID    string
	status   string
	units    map[string]*unitMetrics
}

type unitMetrics struct {
	read, written, quarantined, bytes int64
	duration                          float64
}

var _ http.Handler = (*Metrics)(nil)

// NewMetrics returns empty metrics for a run of manifest, status "running".
func NewMetrics(manifest, runID string) *Metrics {
	return &Metrics{manifest: manifest, runID: runID, status: "running", units: map[string]*unitMetrics{}}
}

func (m *Metrics) unit(name string) *unitMetrics {
	u, ok := m.units[name]
	if !ok {
		u = &unitMetrics{}
		m.units[name] = u
	}
	return u
}

// AddRows adds rows read, written and quarantined and bytes moved for a unit.
func (m *Metrics) AddRows(unit string, read, written, quarantined, bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unit(unit)
	u.read += read
	u.written += written
	u.quarantined += quarantined
	u.bytes += bytes
}

// SetUnitDuration sets a unit's duration so far.
func (m *Metrics) SetUnitDuration(unit string, seconds float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.unit(unit).duration = seconds
}

// SetRunStatus sets the run's status (running, succeeded, failed, ...).
func (m *Metrics) SetRunStatus(status string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status = status
}

// SetReport replaces every value with a finished report's.
func (m *Metrics) SetReport(r *Report) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.manifest, m.runID, m.status = r.Manifest, r.RunID, r.Status
	m.units = map[string]*unitMetrics{}
	for _, u := range r.Units {
		m.units[u.Unit] = &unitMetrics{read: u.RowsRead, written: u.RowsWritten, quarantined: u.RowsQuarantined,
			bytes: u.Bytes, duration: u.DurationSeconds}
	}
}

type family struct {
	name, help, kind string
	value            func(*unitMetrics) string
}

var unitFamilies = []family{
	{"dpone_rows_read_total", "Rows read from the source.", "counter", func(u *unitMetrics) string { return strconv.FormatInt(u.read, 10) }},
	{"dpone_rows_written_total", "Rows written to the sink.", "counter", func(u *unitMetrics) string { return strconv.FormatInt(u.written, 10) }},
	{"dpone_rows_quarantined_total", "Rows set aside by data contracts.", "counter", func(u *unitMetrics) string { return strconv.FormatInt(u.quarantined, 10) }},
	{"dpone_bytes_total", "Arrow bytes moved from source to sink.", "counter", func(u *unitMetrics) string { return strconv.FormatInt(u.bytes, 10) }},
	{"dpone_unit_duration_seconds", "Wall time of the unit so far.", "gauge", func(u *unitMetrics) string { return strconv.FormatFloat(u.duration, 'g', -1, 64) }},
}

// WriteText writes the metrics in the Prometheus text format, series in a
// stable order.
func (m *Metrics) WriteText(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.units))
	for n := range m.units {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, f := range unitFamilies {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.kind)
		for _, n := range names {
			fmt.Fprintf(&b, "%s{manifest=%s,unit=%s} %s\n", f.name, quoteLabel(m.manifest), quoteLabel(n), f.value(m.units[n]))
		}
	}
	b.WriteString("# HELP dpone_run_status The run's current status (1 for the status label in effect).\n# TYPE dpone_run_status gauge\n")
	fmt.Fprintf(&b, "dpone_run_status{manifest=%s,run_id=%s,status=%s} 1\n", quoteLabel(m.manifest), quoteLabel(m.runID), quoteLabel(m.status))
	_, err := io.WriteString(w, b.String())
	return err
}

// quoteLabel quotes a label value, escaping backslash, quote and newline.
func quoteLabel(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

// WriteTextfile writes the metrics to path atomically, as node_exporter's
// textfile collector requires (name it *.prom).
func (m *Metrics) WriteTextfile(path string) error {
	var buf bytes.Buffer
	if err := m.WriteText(&buf); err != nil {
		return fmt.Errorf("write metrics textfile: %w", err)
	}
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("write metrics textfile: %w", err)
	}
	return nil
}

// ServeHTTP serves the metrics (mount it at /metrics).
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var buf bytes.Buffer
	if err := m.WriteText(&buf); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(buf.Bytes())
}
