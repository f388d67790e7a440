package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// staticAPI serves body at /events whatever the query (an API that
// ignores its cursor parameter, so what a read drops is the reader's
// doing).
func staticAPI(t *testing.T, body func() string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const eventsResource = `"resources":[{"name":"events","path":"/events","records_path":"$.data","primary_key":["id"],
 "incremental":{"param":"since"},
 "columns":[{"name":"id","type":"int64"},{"name":"updated_at","type":"timestamp"}],"infer":false}]`

// readAt runs a Read with the connector's clock at now.
func readAt(t *testing.T, now time.Time, cfg json.RawMessage, mode sdk.ReadMode, prior []byte, options string) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	c := New().(*Connector)
	c.now = func() time.Time { return now }
	err := c.Read(context.Background(), sdk.ReadRequest{Config: cfg, Stream: "events", Mode: mode, PriorState: prior, Options: json.RawMessage(options)}, rec)
	return rec, err
}

// TestNullPolicy: records whose cursor is null or absent are read on the
// first read only (include_once, the default), never (skip), or fail the
// read (fail); a full read takes them under include_once.
func TestNullPolicy(t *testing.T) {
	srv := staticAPI(t, func() string {
		return `{"data":[{"id":1,"updated_at":"2024-01-01T00:00:00Z"},{"id":2,"updated_at":null},{"id":3}]}`
	})
	cfg := config(t, srv, eventsResource)
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	opts := func(policy string) string {
		o := `{"incremental_strategy":"column","incremental_column":"updated_at"`
		if policy != "" {
			o += `,"null_policy":"` + policy + `"`
		}
		return o + "}"
	}
	first, err := readAt(t, now, cfg, sdk.ReadIncremental, nil, opts(""))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2", "3"}, first.column("id")); diff != "" {
		t.Errorf("include_once, first read (-want +got):\n%s", diff)
	}
	second, err := readAt(t, now, cfg, sdk.ReadIncremental, first.lastState(), opts("include_once"))
	if err != nil {
		t.Fatal(err)
	}
	if len(second.rows) != 0 {
		t.Errorf("include_once, second read: got ids %v, want none (1 was read at the cursor, 2 and 3 on the first read)", second.column("id"))
	}
	full, err := readAt(t, now, cfg, sdk.ReadFull, nil, opts(""))
	if err != nil || len(full.rows) != 3 {
		t.Errorf("full read: got %d rows, %v; want 3", len(full.rows), err)
	}
	skip, err := readAt(t, now, cfg, sdk.ReadIncremental, nil, opts("skip"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1"}, skip.column("id")); diff != "" {
		t.Errorf("skip (-want +got):\n%s", diff)
	}
	_, err = readAt(t, now, cfg, sdk.ReadIncremental, nil, opts("fail"))
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "null_policy") {
		t.Errorf("fail: got %v, want a DATA error naming null_policy", err)
	}
	if _, err := readAt(t, now, cfg, sdk.ReadIncremental, nil, opts("sometimes")); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("null_policy sometimes: got %v, want CONFIG", err)
	}
}

// TestSafetyLag: an incremental read takes only records with cursor <=
// now - safety_lag, so the checkpoint stays behind the lag and the next
// read, later, takes the newer records; a full read takes everything.
func TestSafetyLag(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	srv := staticAPI(t, func() string {
		return `{"data":[{"id":1,"updated_at":"` + at(time.Hour) + `"},{"id":2,"updated_at":"` + at(10*time.Minute) + `"},{"id":3,"updated_at":"` + at(time.Minute) + `"}]}`
	})
	cfg := config(t, srv, eventsResource)
	opts := `{"incremental_strategy":"column","incremental_column":"updated_at","safety_lag":"5 minutes"}`
	first, err := readAt(t, now, cfg, sdk.ReadIncremental, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2"}, first.column("id")); diff != "" {
		t.Errorf("first read (-want +got):\n%s", diff)
	}
	var st state
	if err := json.Unmarshal(first.lastState(), &st); err != nil || st.Cursor == nil || *st.Cursor != at(10*time.Minute) {
		t.Fatalf("checkpoint %s, want cursor %s (the newest record outside the lag)", first.lastState(), at(10*time.Minute))
	}
	later, err := readAt(t, now.Add(10*time.Minute), cfg, sdk.ReadIncremental, first.lastState(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3"}, later.column("id")); diff != "" {
		t.Errorf("read 10 minutes later (-want +got):\n%s", diff)
	}
	full, err := readAt(t, now, cfg, sdk.ReadFull, nil, opts)
	if err != nil || len(full.rows) != 3 {
		t.Errorf("full read: got %d rows, %v; want 3", len(full.rows), err)
	}
	for bad, want := range map[string]string{
		`"incremental_column":"updated_at","safety_lag":5`:      "interval",
		`"incremental_column":"updated_at","safety_lag":"soon"`: "safety_lag",
		`"incremental_column":"id","safety_lag":"5 minutes"`:    "timestamp",
	} {
		o := `{"incremental_strategy":"column",` + bad + `}`
		_, err := readAt(t, now, cfg, sdk.ReadIncremental, nil, o)
		if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want CONFIG containing %q", bad, err, want)
		}
	}
}

// TestCursorFloor: an API that ignores the cursor parameter sends old
// records again; an incremental read drops those before the cursor it
// sent (minus lookback) as the API would have, and keeps the window.
func TestCursorFloor(t *testing.T) {
	srv := staticAPI(t, func() string {
		return `{"data":[{"id":1,"updated_at":"2024-01-01T00:00:00Z"},{"id":2,"updated_at":"2024-01-02T00:00:00Z"},{"id":3,"updated_at":"2024-01-03T00:00:00Z"}]}`
	})
	cfg := config(t, srv, eventsResource)
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	opts := `{"incremental_strategy":"column","incremental_column":"updated_at"}`
	first, err := readAt(t, now, cfg, sdk.ReadIncremental, nil, `{"incremental_strategy":"column","incremental_column":"updated_at","initial_value":"2024-01-02T00:00:00Z"}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2", "3"}, first.column("id")); diff != "" {
		t.Errorf("from initial_value (-want +got):\n%s", diff)
	}
	second, err := readAt(t, now, cfg, sdk.ReadIncremental, first.lastState(), opts)
	if err != nil || len(second.rows) != 0 {
		t.Errorf("nothing new: got ids %v, %v; want none", second.column("id"), err)
	}
	window, err := readAt(t, now, cfg, sdk.ReadIncremental, first.lastState(), `{"incremental_strategy":"column","incremental_column":"updated_at","lookback":"1 day"}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2"}, window.column("id")); diff != "" {
		t.Errorf("lookback 1 day (-want +got):\n%s", diff)
	}
}
