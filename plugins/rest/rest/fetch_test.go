package rest

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestPostBodyAndHeaderCursor: a POST resource renders its body template,
// carries the incremental cursor in body_field, and pages by a cursor
// the API sends in a response header.
func TestPostBodyAndHeaderCursor(t *testing.T) {
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		bodies = append(bodies, body)
		page, _ := strconv.Atoi(r.URL.Query().Get("after"))
		if page < 2 {
			w.Header().Set("X-Next", strconv.Itoa(page+1))
		}
		w.Write([]byte(`{"hits":[{"id":` + strconv.Itoa(page*10+1) + `,"seen":"2024-05-0` + strconv.Itoa(page+1) + `"}]}`))
	}))
	defer srv.Close()
	cfg := config(t, srv, `"resources":[{"name":"search","path":"/search","method":"POST",
	 "body":{"query":"status:{{ cursor }}","size":1},"records_path":"$.hits",
	 "paginator":{"type":"cursor","cursor_header":"X-Next","cursor_param":"after"},
	 "incremental":{"body_field":"since"},"columns":[{"name":"id","type":"int64"},{"name":"seen","type":"date"}]}]`)
	rec, err := read(t, cfg, "search", sdk.ReadIncremental, []byte(`{"v":1,"strategy":"column","cursor":"2024-04-30"}`),
		`{"incremental_strategy":"column","incremental_column":"seen"}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "11", "21"}, rec.column("id")); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if len(bodies) != 3 {
		t.Fatalf("got %d requests, want 3", len(bodies))
	}
	want := map[string]any{"query": "status:2024-04-30", "size": float64(1), "since": "2024-04-30"}
	if diff := cmp.Diff(want, bodies[0]); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	var st state
	if err := json.Unmarshal(rec.lastState(), &st); err != nil || st.Cursor == nil || *st.Cursor != "2024-05-03" {
		t.Errorf("checkpoint %s, want cursor 2024-05-03", rec.lastState())
	}
}

// TestTLS: an API behind a private CA is refused (CONNECT or UNAVAILABLE)
// until ca_file trusts it.
func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`[{"id":1}]`)) }))
	defer srv.Close()
	res := `"resources":[{"name":"r","path":"/r"}]`
	if _, err := read(t, json.RawMessage(`{"base_url":"`+srv.URL+`","retry":{"max_retries":0},`+res+`}`), "r", sdk.ReadFull, nil, ""); err == nil {
		t.Fatalf("an unknown CA was trusted")
	}
	ca := t.TempDir() + "/ca.pem"
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	rec, err := read(t, json.RawMessage(`{"base_url":"`+srv.URL+`","ca_file":"`+ca+`",`+res+`}`), "r", sdk.ReadFull, nil, "")
	if err != nil || len(rec.rows) != 1 {
		t.Fatalf("with ca_file: %d rows, %v", len(rec.rows), err)
	}
}

// TestRequestTemplates: the client's params go with every request, a
// resource's params and path render {{ cursor }} (the path escaped, the
// query encoded), and a resource param overrides the client's.
func TestRequestTemplates(t *testing.T) {
	var got []*url.URL
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL)
		w.Write([]byte(`[{"id":1,"updated_at":"2024-03-01T00:00:00Z"}]`))
	}))
	t.Cleanup(srv.Close)
	cfg := config(t, srv, `"params":{"api-version":"2","format":"csv"},"resources":[{"name":"events","path":"/v/{{ cursor }}/events",
	 "params":{"from":"{{ cursor }}","format":"json"},"columns":[{"name":"id","type":"int64"},{"name":"updated_at","type":"timestamp"}],"infer":false}]`)
	prior := []byte(`{"v":1,"strategy":"column","cursor":"2024-01-01 00:00:00+01:00 x/y"}`)
	if _, err := read(t, cfg, "events", sdk.ReadIncremental, prior, `{"incremental_strategy":"column","incremental_column":"updated_at"}`); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d requests, want 1", len(got))
	}
	u := got[0]
	if want := "/v/2024-01-01 00:00:00+01:00 x/y/events"; u.Path != want || !strings.Contains(u.RawPath, "x%2Fy") {
		t.Errorf("path %q (raw %q), want %q with the cursor's / escaped", u.Path, u.RawPath, want)
	}
	q := u.Query()
	if q.Get("api-version") != "2" || q.Get("format") != "json" || q.Get("from") != "2024-01-01 00:00:00+01:00 x/y" {
		t.Errorf("query %v, want api-version=2, format=json (the resource's) and from=the cursor", q)
	}
}
