package rest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// pagedAPI serves records 1..n at /events by offset&limit, at most max a
// page (an API that caps the page size), 500 past n (a page nobody
// should need), and calls hook before each page's records.
func pagedAPI(t *testing.T, n, max int, hook func(offset int, w http.ResponseWriter)) (*httptest.Server, *[]int) {
	t.Helper()
	var (
		mu      sync.Mutex
		offsets []int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		mu.Lock()
		offsets = append(offsets, off)
		mu.Unlock()
		if off > n {
			http.Error(w, "no such page", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[`))
		if hook != nil {
			hook(off, w)
		}
		var recs []string
		for id := off + 1; id <= min(off+min(limit, max), n); id++ {
			recs = append(recs, fmt.Sprintf(`{"id":%d}`, id))
		}
		w.Write([]byte(strings.Join(recs, ",") + `]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &offsets
}

func eventsConfig(t *testing.T, srv *httptest.Server, paginator string) []byte {
	return config(t, srv, `"resources":[{"name":"events","path":"/events","records_path":"$.data",
	 "paginator":`+paginator+`,"columns":[{"name":"id","type":"int64"}],"infer":false}]`)
}

// TestPrefetchOverlaps: the next page is requested while the current
// one's body is still being read (the server holds page 1's body until
// page 2's request arrives).
func TestPrefetchOverlaps(t *testing.T) {
	arrived := make(chan struct{})
	var once sync.Once
	overlapped := false
	srv, _ := pagedAPI(t, 6, 100, func(off int, w http.ResponseWriter) {
		switch off {
		case 0:
			w.(http.Flusher).Flush()
			select {
			case <-arrived:
				overlapped = true
			case <-time.After(10 * time.Second): // no prefetch: give up waiting, the test fails below
			}
		case 3:
			once.Do(func() { close(arrived) })
		}
	})
	rec, err := readAt(t, time.Now(), eventsConfig(t, srv, `{"type":"offset","limit":3}`), sdk.ReadFull, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids(6), rec.column("id")); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if !overlapped {
		t.Errorf("page 2 was not requested while page 1 was read")
	}
}

// TestPrefetchDiscarded: a prefetched page the pagination does not use is
// dropped, whatever it answers: after the last page (a 500 storm past
// it does not fail the read) and when a page is shorter than the limit
// (the API caps the page size: the next offset is not the guessed one).
func TestPrefetchDiscarded(t *testing.T) {
	srv, offsets := pagedAPI(t, 12, 5, nil)
	rec, err := readAt(t, time.Now(), eventsConfig(t, srv, `{"type":"offset","limit":10}`), sdk.ReadFull, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids(12), rec.column("id")); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	got := map[int]bool{}
	for _, o := range *offsets {
		got[o] = true
	}
	for _, want := range []int{0, 5, 10, 12} {
		if !got[want] {
			t.Errorf("offset %d never requested (requests %v)", want, *offsets)
		}
	}
}

// TestKeepAlive: the pages of a pagination share their connections: one
// without prefetch, at most two with it (the body is read to its end, so
// each connection goes back to the pool).
func TestKeepAlive(t *testing.T) {
	for _, prefetch := range []bool{false, true} {
		var (
			mu    sync.Mutex
			conns int
		)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			var recs []string
			for id := off + 1; id <= min(off+3, 30); id++ {
				recs = append(recs, fmt.Sprintf(`{"id":%d}`, id))
			}
			w.Write([]byte(`{"data":[` + strings.Join(recs, ",") + `]}   `)) // trailing white space, read too
		}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				mu.Lock()
				conns++
				mu.Unlock()
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		rec, err := readAt(t, time.Now(), eventsConfig(t, srv, fmt.Sprintf(`{"type":"offset","limit":3,"prefetch":%v}`, prefetch)), sdk.ReadFull, nil, "")
		if err != nil || len(rec.rows) != 30 {
			t.Fatalf("prefetch %v: got %d rows, %v; want 30", prefetch, len(rec.rows), err)
		}
		want := 1
		if prefetch {
			want = 2
		}
		mu.Lock()
		if conns > want {
			t.Errorf("prefetch %v: 11 pages over %d connections, want at most %d", prefetch, conns, want)
		}
		mu.Unlock()
	}
}
