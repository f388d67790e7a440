package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dpone-go/dpone/plugins/rest/restapi"
	"github.com/dpone-go/dpone/sdk"
)

// testClient is a client for cfg whose waits are recorded, not slept.
func testClient(t *testing.T, cfg json.RawMessage) (*client, *[]time.Duration) {
	t.Helper()
	c, err := parseConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := newClient(c, &limiters{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	cl.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	return cl, &waits
}

func fetchAll(t *testing.T, cl *client, res string) (int, error) {
	t.Helper()
	r, err := cl.cfg.resource("orders", json.RawMessage(res))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = cl.fetch(context.Background(), r, vars{}, pageHooks{record: func([]byte) error { n++; return nil }})
	return n, err
}

const ordersRes = `{"path":"/orders","records_path":"$.data","paginator":{"type":"page_number","limit":10,"total_pages_path":"$.total_pages"}}`

// TestRetryAfter: a 429 storm is waited out as Retry-After says (seconds
// or an HTTP date), and Retry-After: 0 backs off exponentially instead of
// burning every retry at once.
func TestRetryAfter(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name, header string
		check        func(t *testing.T, waits []time.Duration)
	}{
		{"seconds", "7", func(t *testing.T, waits []time.Duration) {
			for _, w := range waits {
				if w != 7*time.Second {
					t.Errorf("got wait %v, want 7s", w)
				}
			}
		}},
		{"http date", date, func(t *testing.T, waits []time.Duration) {
			for _, w := range waits {
				if w < 25*time.Second || w > 31*time.Second {
					t.Errorf("got wait %v, want about 30s", w)
				}
			}
		}},
		{"zero backs off", "0", func(t *testing.T, waits []time.Duration) {
			for i, w := range waits {
				lo, hi := (100*time.Millisecond<<i)/2, 100*time.Millisecond<<i
				if w < lo || w > hi {
					t.Errorf("wait %d: got %v, want between %v and %v", i, w, lo, hi)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := restapi.New(15)
			api.Faults = restapi.Faults{TooMany: 4, RetryAfter: tc.header}
			srv := startAPI(t, api)
			cl, waits := testClient(t, json.RawMessage(`{"base_url":"`+srv.URL+`","retry":{"backoff":"100ms","max_backoff":"60s","max_retries":5}}`))
			n, err := fetchAll(t, cl, ordersRes)
			if err != nil {
				t.Fatal(err)
			}
			if n != 15 {
				t.Errorf("got %d records, want 15", n)
			}
			if len(*waits) != 4 {
				t.Fatalf("got %d waits, want 4 (one per 429)", len(*waits))
			}
			tc.check(t, *waits)
		})
	}
}

// TestRetriesExhausted: past max_retries a 429 storm is RATE_LIMITED and
// a 5xx burst UNAVAILABLE, both retryable, naming the resource and URL
// but never the api key sent in the query.
func TestRetriesExhausted(t *testing.T) {
	for name, tc := range map[string]struct {
		faults restapi.Faults
		code   sdk.Code
	}{
		"429 storm": {restapi.Faults{TooMany: 100}, sdk.CodeRateLimited},
		"5xx burst": {restapi.Faults{Unavailable: 100}, sdk.CodeUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			api := restapi.New(5)
			api.Faults = tc.faults
			srv := startAPI(t, api)
			cl, waits := testClient(t, json.RawMessage(`{"base_url":"`+srv.URL+`","retry":{"max_retries":3},"auth":{"type":"api_key","in":"query","name":"api_key","value":"s3cr3t"}}`))
			_, err := fetchAll(t, cl, ordersRes)
			if got := sdk.CodeOf(err); got != tc.code {
				t.Fatalf("got %v (code %v), want %v", err, got, tc.code)
			}
			if !sdk.IsRetryable(err) {
				t.Errorf("got a non-retryable error, want retryable")
			}
			if len(*waits) != 3 {
				t.Errorf("got %d waits, want 3", len(*waits))
			}
			if strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), srv.URL+"/orders?") {
				t.Errorf("got %q: want the URL without the key", err)
			}
			if !strings.Contains(err.Error(), `resource "orders"`) {
				t.Errorf("got %q, want the resource named", err)
			}
		})
	}
}

// TestBurstRecovers: a 5xx burst shorter than max_retries is absorbed with
// growing backoff.
func TestBurstRecovers(t *testing.T) {
	api := restapi.New(12)
	api.Faults = restapi.Faults{Unavailable: 3}
	srv := startAPI(t, api)
	cl, waits := testClient(t, json.RawMessage(`{"base_url":"`+srv.URL+`","retry":{"backoff":"10ms"}}`))
	n, err := fetchAll(t, cl, ordersRes)
	if err != nil || n != 12 {
		t.Fatalf("got %d records, %v; want 12", n, err)
	}
	w := *waits
	if len(w) != 3 || w[2] < 20*time.Millisecond {
		t.Errorf("got waits %v, want 3 growing from about 10ms", w)
	}
}

// TestTimeoutRetried: a slow page past the timeout is retried, then
// UNAVAILABLE.
func TestTimeoutRetried(t *testing.T) {
	api := restapi.New(3)
	api.Faults = restapi.Faults{Delay: 200 * time.Millisecond}
	srv := startAPI(t, api)
	cl, waits := testClient(t, json.RawMessage(`{"base_url":"`+srv.URL+`","timeout":"50ms","retry":{"max_retries":2}}`))
	_, err := fetchAll(t, cl, ordersRes)
	if sdk.CodeOf(err) != sdk.CodeUnavailable || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("got %v, want UNAVAILABLE: timed out", err)
	}
	if len(*waits) != 2 {
		t.Errorf("got %d waits, want 2", len(*waits))
	}
}

// TestStatusActions: 404 mapped to end reads nothing, skip goes on to the
// next page, and an unmapped 401/403 is AUTH.
func TestStatusActions(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			w.Write([]byte(`[{"id":1}]`))
		case "2":
			http.Error(w, "gone", http.StatusGone)
		case "3":
			w.Write([]byte(`[{"id":3}]`))
		default:
			w.Write([]byte(`[]`))
		}
	})
	mux.HandleFunc("/private", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cl, _ := testClient(t, json.RawMessage(`{"base_url":"`+srv.URL+`"}`))
	if n, err := fetchAll(t, cl, `{"path":"/gone","status":{"404":"end"}}`); err != nil || n != 0 {
		t.Errorf("404 as end: got %d records, %v; want 0, nil", n, err)
	}
	if n, err := fetchAll(t, cl, `{"path":"/flaky","status":{"4xx":"skip"},"paginator":{"type":"page_number"}}`); err != nil || n != 2 {
		t.Errorf("410 as skip: got %d records, %v; want 2, nil", n, err)
	}
	if _, err := fetchAll(t, cl, `{"path":"/gone"}`); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("404 unmapped: got %v, want NOT_FOUND", err)
	}
	if _, err := fetchAll(t, cl, `{"path":"/private"}`); sdk.CodeOf(err) != sdk.CodeAuth {
		t.Errorf("403: got %v, want AUTH", err)
	}
}

// TestRateLimit: the token bucket spaces requests to one host.
func TestRateLimit(t *testing.T) {
	b := newBucket(50, 1)
	start := time.Now()
	for range 6 {
		if err := b.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 1 token in the bucket, then 5 more at 50/s: at least 100ms.
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Errorf("6 requests at 50/s with burst 1 took %v, want at least 100ms", d)
	}
	var l limiters
	if l.get("a:1", 5, 1) != l.get("a:1", 5, 1) || l.get("a:1", 5, 1) == l.get("b:1", 5, 1) {
		t.Errorf("want one bucket per host")
	}
	// Two connections to one host with different limits share one bucket
	// at the stricter rate: replacing it would give each read its own
	// bucket, and the host the sum of both.
	slow := l.get("c:1", 2, 1)
	if fast := l.get("c:1", 20, 1); fast != slow || fast.rate != 2 {
		t.Errorf("get at 20/s after 2/s: got another bucket (%v) or rate %v, want the same bucket at 2/s", fast != slow, fast.rate)
	}
	if slower := l.get("c:1", 1, 1); slower != slow || slower.rate != 1 {
		t.Errorf("get at 1/s: got another bucket (%v) or rate %v, want the same bucket at 1/s", slower != slow, slower.rate)
	}
}
