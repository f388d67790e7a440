package evidence

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sampleMetrics() *Metrics {
	m := NewMetrics("shop_landing", "r-20261126T053412Z-a1b2c3")
	m.AddRows("public.orders", 1000, 990, 10, 123456)
	m.AddRows("public.orders", 500, 500, 0, 65536)
	m.AddRows(`weird "unit"\`+"\n", 1, 1, 0, 8)
	m.SetUnitDuration("public.orders", 12.5)
	m.SetRunStatus("succeeded")
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
		`dpone_rows_written_total{manifest="shop_landing",unit="public.orders"} 5000000`,
		`dpone_rows_quarantined_total{manifest="shop_landing",unit="public.line_items_with_a_long_name"} 65`,
		`dpone_run_status{manifest="shop_landing",run_id="r-20261126T053412Z-a1b2c3",status="partial"} 1`,
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
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
				t.Errorf("content type: got %q", ct)
			}
			checkExposition(t, string(body))
		}
	}
}
