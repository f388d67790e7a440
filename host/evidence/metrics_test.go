package evidence

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var metricsNow = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)

func sampleMetrics() *Metrics {
	m := NewMetrics("shop_landing", "r-20261126T053412Z-a1b2c3")
	m.now = func() time.Time { return metricsNow }
	m.SetUnit("public.orders", "postgres", "duckdb")
	m.AddRows("public.orders", 1000, 0, 0, 123456)
	m.AddRows("public.orders", 500, 0, 0, 65536)
	// a failed attempt, retried, then the successful one
	m.Attempt(&UnitReport{Unit: "public.orders", RowsWritten: 700, DurationSeconds: 1, Error: &ErrorInfo{Code: "UNAVAILABLE"}})
	m.Retry("public.orders")
	m.Attempt(&UnitReport{Unit: "public.orders", Status: "ok", RowsWritten: 1490, RowsQuarantined: 10, ReadSeconds: 9,
		WriteSeconds: 10, CommitSeconds: 0.5, DurationSeconds: 12.5, StateAfter: json.RawMessage(`{"v":2,"cursor":"2026-11-26 05:00:00+00"}`)})
	m.SetUnit(`weird "unit"\`+"\n", "file", "duckdb")
	m.AddRows(`weird "unit"\`+"\n", 1, 1, 0, 8)
	m.SetRunStatus("ok")
	return m
}

func TestMetricsText(t *testing.T) {
	var b strings.Builder
	if err := sampleMetrics().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "metrics.prom", []byte(b.String()))
	checkExposition(t, b.String())
}

// checkExposition checks each line against the text format grammar:
// comments, or name{labels} value, with every family's TYPE before its
// samples.
func checkExposition(t *testing.T, text string) {
	t.Helper()
	sample := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? [-+0-9.eEInfNa]+$`)
	typed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if f := strings.Fields(l); len(f) >= 4 && f[1] == "TYPE" {
			typed[f[2]] = true
			continue
		}
		if strings.HasPrefix(l, "# HELP ") {
			continue
		}
		m := sample.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not a valid sample line: %q", l)
			continue
		}
		if !typed[m[1]] {
			t.Errorf("sample before its TYPE line: %q", l)
		}
	}
}

func TestMetricsFromReport(t *testing.T) {
	m := NewMetrics("", "")
	m.SetReport(sampleReport())
	var b strings.Builder
	if err := m.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`dpone_rows_written_total{manifest="shop_landing",sink="duckdb",source="postgres",unit="public.orders"} 5e+06`,
		`dpone_rows_quarantined_total{manifest="shop_landing",sink="duckdb",source="postgres",unit="public.line_items_with_a_long_name"} 65`,
		`dpone_run_status{manifest="shop_landing",run_id="r-20261126T053412Z-a1b2c3",status="partial"} 1`,
		`dpone_retries_total{manifest="shop_landing",sink="duckdb",source="postgres",unit="public.customers"} 2`,
		`dpone_errors_total{code="CONNECT",manifest="shop_landing",sink="duckdb",source="postgres",unit="public.customers"} 1`,
		`dpone_stage_duration_seconds{manifest="shop_landing",sink="duckdb",source="postgres",stage="read",unit="public.orders"} 11.9`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
}

func TestMetricsTextfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "textfile", "dpone.prom")
	m := sampleMetrics()
	if err := m.WriteTextfile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	m.WriteText(&want)
	if diff := cmp.Diff(want.String(), string(got)); diff != "" {
		t.Errorf("textfile (-want +got):\n%s", diff)
	}
}

func TestMetricsHandler(t *testing.T) {
	srv := httptest.NewServer(sampleMetrics())
	defer srv.Close()
	tests := []struct {
		method     string
		wantStatus int
	}{{http.MethodGet, 200}, {http.MethodHead, 200}, {http.MethodPost, 405}}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+"/metrics", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%s: got status %d, want %d", tt.method, resp.StatusCode, tt.wantStatus)
		}
		if tt.method == http.MethodGet {
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4; charset=utf-8") {
				t.Errorf("content type: got %q", ct)
			}
			checkExposition(t, string(body))
		}
	}
}

func TestMetricsAttempts(t *testing.T) {
	var b strings.Builder
	if err := sampleMetrics().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	l := `manifest="shop_landing",sink="duckdb",source="postgres",unit="public.orders"`
	for _, want := range []string{
		`dpone_rows_read_total{` + l + `} 1500`,
		// both attempts' staged rows count as written
		`dpone_rows_written_total{` + l + `} 2190`,
		`dpone_errors_total{code="UNAVAILABLE",` + l + `} 1`,
		`dpone_retries_total{` + l + `} 1`,
		`dpone_stage_duration_seconds{manifest="shop_landing",sink="duckdb",source="postgres",stage="commit",unit="public.orders"} 0.5`,
		`dpone_rows_per_second{` + l + `} 119.2`,
		// checkpoint cursor 05:00, now 06:00
		`dpone_cursor_lag_seconds{` + l + `} 3600`,
		`dpone_unit_last_success_timestamp_seconds{` + l + `} 1.7956728e+09`,
		`dpone_run_status{manifest="shop_landing",run_id="r-20261126T053412Z-a1b2c3",status="ok"} 1`,
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), `status="running"`) {
		t.Errorf("the running status stayed after the run ended")
	}
}

// TestMetricsPush pushes to a local stand-in for the Pushgateway's API.
func TestMetricsPush(t *testing.T) {
	var method, path, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		method, path, body = r.Method, r.URL.Path, string(b)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	if err := sampleMetrics().Push(srv.URL); err != nil {
		t.Fatal(err)
	}
	if method != http.MethodPut || path != "/metrics/job/dpone/instance/shop_landing" {
		t.Errorf("push: %s %s, want PUT /metrics/job/dpone/instance/shop_landing", method, path)
	}
	if body == "" {
		t.Errorf("push sent no metrics")
	}
}

// TestGrafanaDashboard checks that every metric a query of the shipped
// dashboard uses is one dpone exports, with the labels it groups by.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile("../../docs/grafana/dpone.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, n := range MetricNames {
		exported[n] = true
	}
	var b strings.Builder
	m := sampleMetrics()
	m.SetReport(sampleReport())
	if err := m.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`\bdpone_[a-z_]+\b`)
	labels := regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	known := map[string]bool{"manifest": true, "unit": true, "source": true, "sink": true, "stage": true, "code": true, "run_id": true, "status": true}
	queries := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			queries++
			found := name.FindAllString(tg.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: query %q uses no dpone metric", p.Title, tg.Expr)
			}
			for _, n := range found {
				if !exported[n] {
					t.Errorf("panel %q: %s is not a metric dpone exports", p.Title, n)
				}
				if !strings.Contains(b.String(), "\n"+n+"{") {
					t.Errorf("panel %q: %s has no series after a run", p.Title, n)
				}
			}
			for _, g := range labels.FindAllStringSubmatch(tg.Expr, -1) {
				for _, l := range strings.Split(g[1], ",") {
					if l = strings.TrimSpace(l); l != "" && !known[l] {
						t.Errorf("panel %q: groups by %q, not a dpone label", p.Title, l)
					}
				}
			}
		}
	}
	if queries < 8 {
		t.Errorf("dashboard has %d queries, want one panel per metric family at least", queries)
	}
}
