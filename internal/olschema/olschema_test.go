package olschema

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dpone-go/dpone/host/evidence"
)

// receiver is a local OpenLineage HTTP backend that keeps every body.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	auth   []string
	fail   int // answer this many requests with 503 first
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		http.Error(w, "backend warming up", http.StatusServiceUnavailable)
		return
	}
	r.bodies = append(r.bodies, b)
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	w.WriteHeader(http.StatusCreated)
}

func events() []evidence.LineageEvent {
	fields := []evidence.LineageField{{Name: "id", Type: "int64"}, {Name: "email", Type: "string"}}
	base := evidence.LineageEvent{RunID: "r-1", Unit: "shop.customers", Job: "shop.shop.customers",
		Inputs:  []evidence.LineageDataset{{Namespace: "postgres://db:5432", Name: "app.shop.customers", Fields: fields}},
		Outputs: []evidence.LineageDataset{{Namespace: "duckdb:///data/wh.duckdb", Name: "landing.customers", Fields: fields}}}
	start, done, fail := base, base, base
	start.Type, start.Time = evidence.LineageStart, time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	done.Type, done.Time = evidence.LineageComplete, start.Time.Add(time.Second)
	done.Outputs = []evidence.LineageDataset{{Namespace: base.Outputs[0].Namespace, Name: base.Outputs[0].Name, Fields: fields, Rows: 998, Bytes: 4096}}
	done.Quality = &evidence.LineageQuality{RowsRead: 1000, RowsWritten: 998, RowsQuarantined: 2,
		Violations: []evidence.Violation{{Column: "email", Reason: "NOT_NULL", Rows: 1}, {Column: "email", Reason: "REGEX", Rows: 1}}}
	fail.Type, fail.Time = evidence.LineageFail, start.Time.Add(2*time.Second)
	fail.Error = &evidence.ErrorInfo{Code: "CONNECT", Message: "connection refused"}
	fail.Quality = &evidence.LineageQuality{}
	return []evidence.LineageEvent{start, done, fail}
}

func TestEmittedEventsValidate(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	rcv := &receiver{fail: 1}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	h := &evidence.LineageHTTP{URL: srv.URL + "/api/v1/lineage", Token: "tok-123", Backoff: time.Millisecond}
	for _, e := range events() {
		if err := h.Emit(e); err != nil {
			t.Fatal(err)
		}
	}
	if sent, lost := h.Delivered(); sent != 3 || lost != 0 {
		t.Errorf("delivered %d, lost %d; want 3, 0 (the first 503 is retried)", sent, lost)
	}
	if len(rcv.bodies) != 3 {
		t.Fatalf("receiver got %d events, want 3", len(rcv.bodies))
	}
	for i, b := range rcv.bodies {
		if err := v.Validate(b); err != nil {
			t.Errorf("event %d does not validate: %v\n%s", i, err, b)
		}
		if rcv.auth[i] != "Bearer tok-123" {
			t.Errorf("event %d Authorization = %q", i, rcv.auth[i])
		}
	}
	// the facets the issue asks for are there
	var ev map[string]any
	_ = json.Unmarshal(rcv.bodies[1], &ev)
	for _, want := range []string{`"jobType"`, `"processing_engine"`, `"dataQualityMetrics"`, `"dataQualityAssertions"`, `"outputStatistics"`, `"schema"`, `"dpone_quality"`, `"rowsQuarantined":2`} {
		if !strings.Contains(string(rcv.bodies[1]), want) {
			t.Errorf("COMPLETE event lacks %s", want)
		}
	}
	if !strings.Contains(string(rcv.bodies[2]), `"errorMessage"`) {
		t.Errorf("FAIL event lacks errorMessage")
	}
}

// TestValidatorHasTeeth: broken events are refused, both by the RunEvent
// schema and by a facet's own schema.
func TestValidatorHasTeeth(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var good []byte
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	h := &evidence.LineageHTTP{URL: srv.URL}
	if err := h.Emit(events()[1]); err != nil {
		t.Fatal(err)
	}
	good = rcv.bodies[0]
	if err := v.Validate(good); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"runId not a UUID":      strings.Replace(string(good), `"runId":"`, `"runId":"x`, 1),
		"rowCount as a string":  strings.Replace(string(good), `"rowCount":998`, `"rowCount":"998"`, 1),
		"assertion success str": strings.Replace(string(good), `"success":false`, `"success":"no"`, 1),
		"unknown OL facet": strings.Replace(string(good), "JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
			"JobTypeJobFacet9.json#/$defs/JobTypeJobFacet", 1),
	} {
		if bad == string(good) {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if err := v.Validate([]byte(bad)); err == nil {
			t.Errorf("%s: validated, want an error", name)
		}
	}
}

func TestBackendDownNeverBlocks(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	h := &evidence.LineageHTTP{URL: "http://" + addr + "/api/v1/lineage", Timeout: time.Second, Backoff: time.Millisecond}
	err = h.Emit(events()[0])
	if err == nil || !strings.Contains(err.Error(), "not delivered") {
		t.Fatalf("Emit = %v, want a not-delivered error", err)
	}
	if sent, lost := h.Delivered(); sent != 0 || lost != 1 {
		t.Errorf("delivered %d, lost %d; want 0, 1", sent, lost)
	}
	// a 400 is not retried: the backend refuses this event for good
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, "bad event", http.StatusBadRequest)
	}))
	defer srv.Close()
	h = &evidence.LineageHTTP{URL: srv.URL, Backoff: time.Millisecond}
	if err := h.Emit(events()[0]); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("Emit = %v, want the 400", err)
	}
	if calls != 1 {
		t.Errorf("a 400 was sent %d times, want 1", calls)
	}
}
