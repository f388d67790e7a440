package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ReportSchemaVersion is the report layout this package writes. Readers
// accept reports up to this version; fields are only ever added.
const ReportSchemaVersion = 1

// Report is the evidence of one run.
type Report struct {
	SchemaVersion   int          `json:"schema_version"`
	RunID           string       `json:"run_id"`
	Manifest        string       `json:"manifest"`
	Status          string       `json:"status"`
	StartedAt       time.Time    `json:"started_at"`
	FinishedAt      time.Time    `json:"finished_at"`
	DurationSeconds float64      `json:"duration_seconds"`
	Args            []string     `json:"args,omitempty"`
	Units           []UnitReport `json:"units"`
	Error           *ErrorInfo   `json:"error,omitempty"`
}

// UnitReport is what happened to one load unit.
type UnitReport struct {
	Unit   string `json:"unit"`
	Source string `json:"source"`
	Sink   string `json:"sink"`
	Target string `json:"target"`
	Mode   string `json:"mode"`
	Status string `json:"status"`

	RowsRead        int64 `json:"rows_read"`
	RowsWritten     int64 `json:"rows_written"`
	RowsInserted    int64 `json:"rows_inserted"`
	RowsUpdated     int64 `json:"rows_updated"`
	RowsDeleted     int64 `json:"rows_deleted"`
	RowsQuarantined int64 `json:"rows_quarantined"`
	Bytes           int64 `json:"bytes"`

	ReadSeconds     float64 `json:"read_seconds"`
	WriteSeconds    float64 `json:"write_seconds"`
	CommitSeconds   float64 `json:"commit_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
	RowsPerSecond   float64 `json:"rows_per_second"`
	// StartSeconds and EndSeconds place the unit on the run's timeline
	// (seconds since the run started); Samples are its rows read over
	// time (see Timeline).
	StartSeconds float64  `json:"start_seconds,omitempty"`
	EndSeconds   float64  `json:"end_seconds,omitempty"`
	Samples      []Sample `json:"samples,omitempty"`

	LoadID  string `json:"load_id,omitempty"`
	Staging string `json:"staging,omitempty"`
	// Path is how the rows travelled: "passthrough <format>" or
	// "arrow: <why>" (the plan's path, or why the sink refused it).
	Path string `json:"path,omitempty"`
	// DDL is the schema change statements applied before the load.
	DDL []string `json:"ddl,omitempty"`
	// Violations counts data-contract violations per column and reason.
	Violations []Violation `json:"violations,omitempty"`
	// Warnings are non-fatal findings (contract warnings, schema notes).
	Warnings    []string        `json:"warnings,omitempty"`
	StateBefore json.RawMessage `json:"state_before,omitempty"`
	StateAfter  json.RawMessage `json:"state_after,omitempty"`
	Attempts    int             `json:"attempts"`
	Error       *ErrorInfo      `json:"error,omitempty"`
	// Chunk is set on a load of one chunk of dpone backfill (Unit then
	// names the chunk, e.g. "public.orders chunk 3/10").
	Chunk *ChunkInfo `json:"chunk,omitempty"`
}

// ChunkInfo places a load in a backfill: the unit, the backfill's id and
// the chunk's index (0-based), count and cursor range [Lower, Upper).
type ChunkInfo struct {
	Unit     string `json:"unit"`
	Backfill string `json:"backfill"`
	Index    int    `json:"index"`
	Count    int    `json:"count"`
	Lower    string `json:"lower"`
	Upper    string `json:"upper"`
}

// Violation is the number of rows that broke one contract rule of one
// column (reason codes: NOT_NULL, ACCEPTED_VALUES, REGEX, RANGE,
// MAX_LENGTH, UNIQUE, TYPE).
type Violation struct {
	Column string `json:"column"`
	Reason string `json:"reason"`
	Rows   int64  `json:"rows"`
}

// ErrorInfo is an error as the report records it: the connector error code
// (CONFIG, AUTH, CONNECT, ...), the message, and whether a retry may help.
type ErrorInfo struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

// Totals sums the units of a report.
type Totals struct {
	RowsRead, RowsWritten, RowsQuarantined, Bytes int64
}

// Totals returns the sums over r's units.
func (r *Report) Totals() Totals {
	var t Totals
	for _, u := range r.Units {
		t.RowsRead += u.RowsRead
		t.RowsWritten += u.RowsWritten
		t.RowsQuarantined += u.RowsQuarantined
		t.Bytes += u.Bytes
	}
	return t
}

// ReportPath is where WriteReport puts a run's report in dir.
func ReportPath(dir, runID string) string { return filepath.Join(dir, runID+".json") }

// WriteReport writes r as indented JSON to <dir>/<run_id>.json, creating
// dir, atomically (a temporary file renamed over the target), and returns
// the path. A zero SchemaVersion is set to ReportSchemaVersion.
func WriteReport(dir string, r *Report) (path string, err error) {
	if r.RunID == "" || strings.ContainsAny(r.RunID, `/\`) || r.RunID == "." || r.RunID == ".." {
		return "", fmt.Errorf("write report: invalid run id %q", r.RunID)
	}
	if r.SchemaVersion == 0 {
		r.SchemaVersion = ReportSchemaVersion
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("write report %s: %w", r.RunID, err)
	}
	path = ReportPath(dir, r.RunID)
	if err := writeFileAtomic(path, append(b, '\n')); err != nil {
		return "", fmt.Errorf("write report %s: %w", r.RunID, err)
	}
	return path, nil
}

// ReadReport reads a report written by WriteReport.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	if r.SchemaVersion < 1 || r.SchemaVersion > ReportSchemaVersion {
		return nil, fmt.Errorf("read report %s: schema version %d, this dpone reads 1 to %d (upgrade dpone)",
			path, r.SchemaVersion, ReportSchemaVersion)
	}
	// The indented file indents the embedded states too: compact them back.
	for i := range r.Units {
		u := &r.Units[i]
		u.StateBefore, u.StateAfter = compactJSON(u.StateBefore), compactJSON(u.StateAfter)
	}
	return &r, nil
}

func compactJSON(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return m
	}
	var buf bytes.Buffer
	if json.Compact(&buf, m) != nil {
		return m
	}
	return buf.Bytes()
}

// writeFileAtomic writes data to a temporary file in path's directory,
// syncs it and renames it over path, so readers see the old or the new
// content, never a part.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
