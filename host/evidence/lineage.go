package evidence

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// OpenLineage event types.
const (
	LineageStart    = "START"
	LineageComplete = "COMPLETE"
	LineageFail     = "FAIL"
)

// Producer is the OpenLineage producer URI of dpone's events.
const Producer = "https://github.com/dpone-go/dpone"

const (
	runEventSchema    = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	schemaFacetURL    = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
	outputStatsURL    = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
	errorMessageURL   = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
	jobTypeURL        = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
	engineURL         = "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet"
	qualityMetricsURL = "https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet"
	assertionsURL     = "https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet"
	// dponeQualityURL describes dpone's own run facet (dpone_quality):
	// rows read, written and set aside in quarantine by data contracts.
	dponeQualityURL     = "https://github.com/dpone-go/dpone/blob/main/docs/observability.md#dpone_quality"
	defaultJobNamespace = "dpone"
)

// Version is the dpone version events name in their processing_engine
// facet; the CLI sets it at start.
var Version = "dev"

// LineageEvent is one OpenLineage run event for a load unit.
type LineageEvent struct {
	// Type is LineageStart, LineageComplete or LineageFail.
	Type string
	Time time.Time
	// RunID and Unit identify the run of this job; the OpenLineage runId
	// is a UUID derived from both, the same for every event of the pair.
	RunID, Unit string
	// Job is the job name (e.g. "shop_landing.public.orders"); Namespace
	// defaults to "dpone".
	Namespace, Job  string
	Inputs, Outputs []LineageDataset
	// Error is reported on FAIL events.
	Error *ErrorInfo
	// Quality is the unit's data-quality evidence, on COMPLETE and FAIL
	// events: rows read and set aside, contract violations.
	Quality *LineageQuality
}

// LineageQuality is what a unit's data contract found.
type LineageQuality struct {
	RowsRead, RowsWritten, RowsQuarantined int64
	// Violations are counted per column and reason; each becomes a failed
	// assertion on the output dataset.
	Violations []Violation
}

// LineageDataset is a dataset read or written, with its schema and, for
// outputs, its row and byte counts.
type LineageDataset struct {
	Namespace, Name string
	Fields          []LineageField
	Rows, Bytes     int64
}

// LineageField is one column in a dataset's schema facet.
type LineageField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// LineageEmitter receives a run's OpenLineage events: the file writer,
// the HTTP transport, or both.
type LineageEmitter interface {
	Emit(LineageEvent) error
	Close() error
}

// LineageWriter writes OpenLineage events as NDJSON, one event a line.
// Safe for concurrent use.
type LineageWriter struct {
	mu sync.Mutex
	w  io.Writer
	c  io.Closer
}

// NewLineageWriter writes events to w.
func NewLineageWriter(w io.Writer) *LineageWriter { return &LineageWriter{w: w} }

// OpenLineageFile appends events to the file at path, creating it.
func OpenLineageFile(path string) (*LineageWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lineage file: %w", err)
	}
	return &LineageWriter{w: f, c: f}, nil
}

// Emit writes one event.
func (l *LineageWriter) Emit(e LineageEvent) error {
	b, err := json.Marshal(runEvent(e))
	if err != nil {
		return fmt.Errorf("emit lineage event: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("emit lineage event: %w", err)
	}
	return nil
}

// Close closes the file opened by OpenLineageFile (no-op otherwise).
func (l *LineageWriter) Close() error {
	if l.c == nil {
		return nil
	}
	return l.c.Close()
}

type olFacet map[string]any

type olDataset struct {
	Namespace    string             `json:"namespace"`
	Name         string             `json:"name"`
	Facets       map[string]olFacet `json:"facets,omitempty"`
	InputFacets  map[string]olFacet `json:"inputFacets,omitempty"`
	OutputFacets map[string]olFacet `json:"outputFacets,omitempty"`
}

type olEvent struct {
	EventType string `json:"eventType"`
	EventTime string `json:"eventTime"`
	Run       struct {
		RunID  string             `json:"runId"`
		Facets map[string]olFacet `json:"facets,omitempty"`
	} `json:"run"`
	Job struct {
		Namespace string             `json:"namespace"`
		Name      string             `json:"name"`
		Facets    map[string]olFacet `json:"facets,omitempty"`
	} `json:"job"`
	Inputs    []olDataset `json:"inputs"`
	Outputs   []olDataset `json:"outputs"`
	Producer  string      `json:"producer"`
	SchemaURL string      `json:"schemaURL"`
}

func facet(schemaURL string, kv ...any) olFacet {
	f := olFacet{"_producer": Producer, "_schemaURL": schemaURL}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	return f
}

// runEvent renders e in the OpenLineage RunEvent shape.
func runEvent(e LineageEvent) olEvent {
	var ev olEvent
	ev.EventType = e.Type
	ev.EventTime = e.Time.UTC().Format(time.RFC3339Nano)
	ev.Run.RunID = lineageRunID(e.RunID, e.Unit)
	ev.Run.Facets = map[string]olFacet{"processing_engine": facet(engineURL, "name", "dpone", "version", Version)}
	if e.Type == LineageFail && e.Error != nil {
		ev.Run.Facets["errorMessage"] = facet(errorMessageURL,
			"message", e.Error.Code+": "+e.Error.Message, "programmingLanguage", "go")
	}
	if q := e.Quality; q != nil {
		ev.Run.Facets["dpone_quality"] = facet(dponeQualityURL, "rowsRead", q.RowsRead, "rowsWritten", q.RowsWritten,
			"rowsQuarantined", q.RowsQuarantined, "contractViolations", violationCount(q.Violations))
	}
	ev.Job.Facets = map[string]olFacet{"jobType": facet(jobTypeURL, "processingType", "BATCH", "integration", "DPONE", "jobType", "TASK")}
	ev.Job.Namespace = e.Namespace
	if ev.Job.Namespace == "" {
		ev.Job.Namespace = defaultJobNamespace
	}
	ev.Job.Name = e.Job
	ev.Inputs, ev.Outputs = []olDataset{}, []olDataset{}
	for _, d := range e.Inputs {
		in := dataset(d, false)
		if e.Quality != nil {
			in.InputFacets = map[string]olFacet{"dataQualityMetrics": facet(qualityMetricsURL,
				"rowCount", e.Quality.RowsRead, "columnMetrics", map[string]any{})}
		}
		ev.Inputs = append(ev.Inputs, in)
	}
	for _, d := range e.Outputs {
		out := dataset(d, e.Type == LineageComplete)
		if e.Quality != nil {
			if out.Facets == nil {
				out.Facets = map[string]olFacet{}
			}
			out.Facets["dataQualityAssertions"] = facet(assertionsURL, "assertions", assertions(e.Quality))
		}
		ev.Outputs = append(ev.Outputs, out)
	}
	ev.Producer, ev.SchemaURL = Producer, runEventSchema
	return ev
}

func dataset(d LineageDataset, stats bool) olDataset {
	out := olDataset{Namespace: d.Namespace, Name: d.Name}
	if len(d.Fields) > 0 {
		out.Facets = map[string]olFacet{"schema": facet(schemaFacetURL, "fields", d.Fields)}
	}
	if stats {
		out.OutputFacets = map[string]olFacet{"outputStatistics": facet(outputStatsURL, "rowCount", d.Rows, "size", d.Bytes)}
	}
	return out
}

// lineageRunID derives a stable UUID (version 5 layout, SHA-1) from a
// dpone run id and unit, as OpenLineage wants runId to be a UUID.
func lineageRunID(runID, unit string) string {
	h := sha1.Sum([]byte("dpone/" + runID + "/" + unit))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func violationCount(vs []Violation) int64 {
	var n int64
	for _, v := range vs {
		n += v.Rows
	}
	return n
}

// assertions renders a unit's contract results: one assertion for the
// contract as a whole (success when no row was set aside), and one failed
// assertion per column and reason that rows broke.
func assertions(q *LineageQuality) []map[string]any {
	out := []map[string]any{{"assertion": "data_contract", "name": "rows_quarantined", "success": q.RowsQuarantined == 0,
		"description": fmt.Sprintf("%d of %d rows set aside in quarantine", q.RowsQuarantined, q.RowsRead)}}
	for _, v := range q.Violations {
		out = append(out, map[string]any{"assertion": strings.ToLower(v.Reason), "column": v.Column, "success": false,
			"description": fmt.Sprintf("%d rows broke %s", v.Rows, v.Reason)})
	}
	return out
}
