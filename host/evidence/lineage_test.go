package evidence

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func lineageEvents() []LineageEvent {
	in := []LineageDataset{{Namespace: "postgres://127.0.0.1:5432", Name: "oltp.public.orders",
		Fields: []LineageField{{"id", "int64"}, {"updated_at", "timestamp(6, UTC)"}}}}
	out := []LineageDataset{{Namespace: "duckdb://warehouse.duckdb", Name: "landing.public__orders",
		Fields: []LineageField{{"id", "int64"}, {"updated_at", "timestamp(6, UTC)"}}, Rows: 5000000, Bytes: 612345678}}
	base := LineageEvent{RunID: "r-20261126T053412Z-a1b2c3", Unit: "public.orders", Job: "shop_landing.public.orders",
		Inputs: in, Outputs: out}
	start, complete, fail := base, base, base
	start.Type, start.Time = LineageStart, time.Date(2026, 11, 26, 5, 34, 12, 0, time.UTC)
	complete.Type, complete.Time = LineageComplete, start.Time.Add(12500*time.Millisecond)
	fail.Type, fail.Time, fail.Unit, fail.Job = LineageFail, start.Time.Add(time.Second), "public.customers", "shop_landing.public.customers"
	fail.Error = &ErrorInfo{Code: "CONNECT", Message: "connection refused", Retryable: true}
	return []LineageEvent{start, complete, fail}
}

func TestLineageFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lineage.ndjson")
	for range 2 { // appends across opens
		l, err := OpenLineageFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range lineageEvents() {
			if err := l.Emit(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half := b[:len(b)/2]
	if !bytes.Equal(half, b[len(b)/2:]) {
		t.Errorf("second open did not append the same events")
	}
	golden(t, "lineage.ndjson", half)

	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	var runIDs []string
	sc := bufio.NewScanner(bytes.NewReader(half))
	for sc.Scan() {
		var ev struct {
			EventType string                 `json:"eventType"`
			Run       struct{ RunID string } `json:"run"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line is not JSON: %v", err)
		}
		if !uuid.MatchString(ev.Run.RunID) {
			t.Errorf("%s runId %q: want a UUID", ev.EventType, ev.Run.RunID)
		}
		runIDs = append(runIDs, ev.Run.RunID)
	}
	if len(runIDs) != 3 || runIDs[0] != runIDs[1] || runIDs[0] == runIDs[2] {
		t.Errorf("runIds: got %q, want START and COMPLETE equal, FAIL (another unit) different", runIDs)
	}
}
