package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"
)

// Metrics holds one run's Prometheus metrics (client_golang): served as
// /metrics during the run, written as a node_exporter textfile at the end,
// or pushed to a Pushgateway. Safe for concurrent use.
//
// Unit series carry the labels manifest, unit, source and sink (connector
// types); MetricNames lists every family. docs/grafana/dpone.json queries
// exactly these names (a test checks it).
type Metrics struct {
	mu sync.Mutex
	v  *vectors
	// manifest and runID label the run series; units maps a unit to its
	// connector labels.
	manifest, runID string
	units           map[string][2]string
	now             func() time.Time
}

type vectors struct {
	reg                                   *prometheus.Registry
	read, written, quarantined, bytes     *prometheus.CounterVec
	errors, retries                       *prometheus.CounterVec
	stage, duration, rowsPerSec, lag, end *prometheus.GaugeVec
	status                                *prometheus.GaugeVec
}

var unitLabels = []string{"manifest", "unit", "source", "sink"}

// MetricNames lists every metric family dpone exports.
var MetricNames = []string{
	"dpone_rows_read_total", "dpone_rows_written_total", "dpone_rows_quarantined_total", "dpone_bytes_total",
	"dpone_errors_total", "dpone_retries_total", "dpone_stage_duration_seconds", "dpone_unit_duration_seconds",
	"dpone_rows_per_second", "dpone_cursor_lag_seconds", "dpone_unit_last_success_timestamp_seconds", "dpone_run_status",
}

func newVectors() *vectors {
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, append(append([]string{}, unitLabels...), extra...))
	}
	gauge := func(name, help string, extra ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, append(append([]string{}, unitLabels...), extra...))
	}
	v := &vectors{
		reg:         prometheus.NewPedanticRegistry(),
		read:        counter("dpone_rows_read_total", "Rows read from the source."),
		written:     counter("dpone_rows_written_total", "Rows written to the sink (staged; committed when the unit succeeds)."),
		quarantined: counter("dpone_rows_quarantined_total", "Rows set aside by data contracts."),
		bytes:       counter("dpone_bytes_total", "Arrow bytes moved from source to sink."),
		errors:      counter("dpone_errors_total", "Failed attempts of a unit, by error code.", "code"),
		retries:     counter("dpone_retries_total", "Attempts retried after a retryable error."),
		stage:       gauge("dpone_stage_duration_seconds", "Seconds a unit's last attempt spent per stage (read, write, commit).", "stage"),
		duration:    gauge("dpone_unit_duration_seconds", "Wall time of a unit's last attempt."),
		rowsPerSec:  gauge("dpone_rows_per_second", "Rows written per second by a unit's last attempt."),
		lag:         gauge("dpone_cursor_lag_seconds", "Now minus the incremental checkpoint's cursor, when the cursor is a time."),
		end:         gauge("dpone_unit_last_success_timestamp_seconds", "Unix time a unit last loaded successfully in this run."),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dpone_run_status",
			Help: "The run's current status (1 for the status label in effect)."}, []string{"manifest", "run_id", "status"}),
	}
	v.reg.MustRegister(v.read, v.written, v.quarantined, v.bytes, v.errors, v.retries, v.stage, v.duration,
		v.rowsPerSec, v.lag, v.end, v.status)
	return v
}

// NewMetrics returns empty metrics for a run of manifest, status "running".
func NewMetrics(manifest, runID string) *Metrics {
	m := &Metrics{v: newVectors(), manifest: manifest, runID: runID, units: map[string][2]string{}, now: time.Now}
	m.v.status.WithLabelValues(manifest, runID, "running").Set(1)
	return m
}

// SetUnit names a unit's source and sink connectors (labels of its series).
func (m *Metrics) SetUnit(unit, source, sink string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.units[unit] = [2]string{source, sink}
}

func (m *Metrics) labels(unit string) []string {
	c := m.units[unit]
	return []string{m.manifest, unit, c[0], c[1]}
}

// AddRows adds rows read, written and quarantined and bytes moved for a unit.
func (m *Metrics) AddRows(unit string, read, written, quarantined, bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.labels(unit)
	m.v.read.WithLabelValues(l...).Add(float64(read))
	m.v.written.WithLabelValues(l...).Add(float64(written))
	m.v.quarantined.WithLabelValues(l...).Add(float64(quarantined))
	m.v.bytes.WithLabelValues(l...).Add(float64(bytes))
}

// SetUnitDuration sets a unit's duration so far.
func (m *Metrics) SetUnitDuration(unit string, seconds float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.v.duration.WithLabelValues(m.labels(unit)...).Set(seconds)
}

// Attempt records one finished attempt of a unit from its report: rows
// written and quarantined, stage durations, rows/s, the error code of a
// failure, cursor lag and success time.
func (m *Metrics) Attempt(u *UnitReport) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attempt(u, true)
}

func (m *Metrics) attempt(u *UnitReport, live bool) {
	l := m.labels(u.Unit)
	if live {
		m.v.written.WithLabelValues(l...).Add(float64(u.RowsWritten))
		m.v.quarantined.WithLabelValues(l...).Add(float64(u.RowsQuarantined))
	}
	for stage, s := range map[string]float64{"read": u.ReadSeconds, "write": u.WriteSeconds, "commit": u.CommitSeconds} {
		m.v.stage.WithLabelValues(append(l, stage)...).Set(s)
	}
	m.v.duration.WithLabelValues(l...).Set(u.DurationSeconds)
	if u.DurationSeconds > 0 {
		m.v.rowsPerSec.WithLabelValues(l...).Set(float64(u.RowsWritten) / u.DurationSeconds)
	}
	if u.Error != nil && u.Status != "ok" && u.Status != "skipped" {
		m.v.errors.WithLabelValues(append(l, u.Error.Code)...).Inc()
	}
	if u.Error == nil {
		m.v.end.WithLabelValues(l...).Set(float64(m.now().Unix()))
		if t, ok := cursorTime(u.StateAfter); ok {
			m.v.lag.WithLabelValues(l...).Set(m.now().Sub(t).Seconds())
		}
	}
}

// Retry counts a retried attempt of unit.
func (m *Metrics) Retry(unit string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.v.retries.WithLabelValues(m.labels(unit)...).Inc()
}

// cursorTime reads the cursor of a column-strategy checkpoint
// ({"cursor": "..."}) when it is a timestamp or a date.
func cursorTime(state json.RawMessage) (time.Time, bool) {
	var cp struct {
		Cursor *string `json:"cursor"`
	}
	if len(state) == 0 || json.Unmarshal(state, &cp) != nil || cp.Cursor == nil {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07",
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, *cp.Cursor); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// SetRunStatus sets the run's status (running, ok, failed, ...).
func (m *Metrics) SetRunStatus(status string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.v.status.Reset()
	m.v.status.WithLabelValues(m.manifest, m.runID, status).Set(1)
}

// SetReport replaces every value with a finished report's: the final
// numbers, as the textfile and the Pushgateway get them.
func (m *Metrics) SetReport(r *Report) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.v, m.manifest, m.runID = newVectors(), r.Manifest, r.RunID
	for _, u := range r.Units {
		if _, ok := m.units[u.Unit]; !ok {
			m.units[u.Unit] = [2]string{u.Source, u.Sink}
		}
		l := m.labels(u.Unit)
		m.v.read.WithLabelValues(l...).Add(float64(u.RowsRead))
		m.v.written.WithLabelValues(l...).Add(float64(u.RowsWritten))
		m.v.quarantined.WithLabelValues(l...).Add(float64(u.RowsQuarantined))
		m.v.bytes.WithLabelValues(l...).Add(float64(u.Bytes))
		if u.Attempts > 1 {
			m.v.retries.WithLabelValues(l...).Add(float64(u.Attempts - 1))
		}
		m.attempt(&u, false)
	}
	m.v.status.WithLabelValues(m.manifest, m.runID, r.Status).Set(1)
}

// WriteText writes the metrics in the Prometheus text format.
func (m *Metrics) WriteText(w io.Writer) error {
	m.mu.Lock()
	reg := m.v.reg
	m.mu.Unlock()
	mfs, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("encode metrics: %w", err)
		}
	}
	return nil
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

// Push sends the metrics to a Prometheus Pushgateway at url (job "dpone",
// the manifest id as instance), replacing the group's previous push: for runs too
// short to be scraped.
func (m *Metrics) Push(url string) error {
	m.mu.Lock()
	reg, manifest := m.v.reg, m.manifest
	m.mu.Unlock()
	if err := push.New(strings.TrimSuffix(url, "/"), "dpone").Gatherer(reg).Grouping("instance", manifest).Push(); err != nil {
		return fmt.Errorf("push metrics to %s: %w", url, err)
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
	m.mu.Lock()
	reg := m.v.reg
	m.mu.Unlock()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}).ServeHTTP(w, r)
}
