package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// REST scenarios (issue 15): a local paginated JSON API served by this
// process (page_number pagination, 1000 records a page; as many records as
// the first table size, BENCH_SMALL_ROWS (1M) or else BENCH_ROWS) read by
//
//   - rest_plain_loop: a plain Go loop in a child process that fetches the
//     same pages one after the other over one keep-alive connection and
//     decodes them with encoding/json into structs: the limit;
//   - rest_to_duckdb: dpone run of the rest source into DuckDB
//     (full_refresh), declared columns;
//   - rest_to_duckdb_t1 (optional): the same with the DuckDB connection's
//     threads: 1. DuckDB's executing thread busy-waits while a worker
//     thread runs a query's only task (the staging INSERT's), so one thread
//     spends less CPU there; the commit runs single-threaded.
//
// Both read the same bytes from the same server; the ratio of their wall
// times is printed under the table.
var restScenarios = []scenario{
	{Name: "rest_plain_loop", Source: "rest-loop"},
	{Name: "rest_to_duckdb", Source: "rest", Sink: "duckdb"},
	{Name: "rest_to_duckdb_t1", Source: "rest", Sink: "duckdb", Optional: true},
}

// restPageSize is the records of one page.
const restPageSize = 1000

// restAPI is the bench's local API.
type restAPI struct {
	url     string
	records int64
}

// startRestAPI serves records records on 127.0.0.1, rendering each page
// on request (the same work for every scenario).
func startRestAPI(records int64) (*restAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &restAPI{url: "http://" + ln.Addr().String(), records: records}
	srv := &http.Server{Handler: http.HandlerFunc(api.page), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with the process
	return api, nil
}

// page serves /orders?page=N (from 1): {"data":[...],"total_pages":P}.
func (a *restAPI) page(w http.ResponseWriter, r *http.Request) {
	p, err := strconv.ParseInt(r.URL.Query().Get("page"), 10, 64)
	if err != nil || p < 1 {
		http.Error(w, "page: want a number from 1", http.StatusBadRequest)
		return
	}
	pages := (a.records + restPageSize - 1) / restPageSize
	b := make([]byte, 0, 256*restPageSize)
	b = append(b, `{"data":[`...)
	for id := (p-1)*restPageSize + 1; id <= min(p*restPageSize, a.records); id++ {
		if id > (p-1)*restPageSize+1 {
			b = append(b, ',')
		}
		b = restRecord(b, id)
	}
	b = append(b, `],"total_pages":`...)
	b = strconv.AppendInt(b, pages, 10)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b) //nolint:errcheck // the client sees a short body
}

// restRecord appends record id: the bench_src columns as an API sends them.
func restRecord(b []byte, id int64) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"qty":`...)
	b = strconv.AppendInt(b, id%100, 10)
	b = append(b, `,"price":`...)
	b = strconv.AppendInt(b, id%100000, 10)
	b = append(b, '.')
	frac := id % 10000
	for d := int64(1000); d > 1 && frac < d; d /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, frac, 10)
	b = append(b, `,"title":"order title `...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `","code":"C`...)
	b = strconv.AppendInt(b, id%5000, 10)
	b = append(b, `","active":`...)
	b = strconv.AppendBool(b, id%3 != 0)
	t := time.Unix(1_700_000_000+id*37, 0).UTC()
	b = append(b, `,"created_at":"`...)
	b = t.AppendFormat(b, time.RFC3339)
	b = append(b, `","day":"`...)
	b = t.AppendFormat(b, "2006-01-02")
	b = append(b, `","attrs":{"k":`...)
	b = strconv.AppendInt(b, id%7, 10)
	b = append(b, `,"tags":["a","b"]},"ref":"`...)
	b = fmt.Appendf(b, "%08x-0000-4000-8000-%012x", id, id)
	return append(b, `"}`...)
}

// restRecordOf is a record as the plain loop decodes it.
type restRecordOf struct {
	ID        int64           `json:"id"`
	Qty       int64           `json:"qty"`
	Price     json.Number     `json:"price"`
	Title     string          `json:"title"`
	Code      string          `json:"code"`
	Active    bool            `json:"active"`
	CreatedAt string          `json:"created_at"`
	Day       string          `json:"day"`
	Attrs     json.RawMessage `json:"attrs"`
	Ref       string          `json:"ref"`
}

// restPlainLoop is the child process of rest_plain_loop: it fetches every
// page of the API at url and decodes it, then checks the count.
func restPlainLoop(url string, want int64) error {
	var n int64
	for p := 1; ; p++ {
		resp, err := http.Get(url + "/orders?page=" + strconv.Itoa(p))
		if err != nil {
			return err
		}
		var page struct {
			Data       []restRecordOf `json:"data"`
			TotalPages int            `json:"total_pages"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return err
		}
		n += int64(len(page.Data))
		if p >= page.TotalPages {
			break
		}
	}
	if n != want {
		return fmt.Errorf("plain loop read %d records, want %d", n, want)
	}
	return nil
}

// isRest reports whether s is a REST scenario.
func (s scenario) isRest() bool { return s.Source == "rest" || s.Source == "rest-loop" }

// runRest measures one REST scenario over the bench API of records records.
func (b *bench) runRest(s scenario, records int64) (measurement, error) {
	if b.rest == nil || b.rest.records != records {
		api, err := startRestAPI(records)
		if err != nil {
			return measurement{}, err
		}
		b.rest = api
	}
	if s.Source == "rest-loop" {
		self, err := os.Executable()
		if err != nil {
			return measurement{}, err
		}
		return b.measure(exec.Command(self, "rest-plain-loop", b.rest.url, strconv.FormatInt(records, 10)))
	}
	for _, f := range []string{"warehouse.duckdb", "warehouse.duckdb.wal"} {
		os.Remove(filepath.Join(b.work, f))
	}
	path := filepath.Join(b.work, s.Name+".yaml")
	threads := 0
	if s.Name == "rest_to_duckdb_t1" {
		threads = 1
	}
	if err := os.WriteFile(path, []byte(restManifest(b.rest.url, filepath.Join(b.work, "warehouse.duckdb"), threads)), 0o644); err != nil {
		return measurement{}, err
	}
	m, err := b.measure(b.dponeRun(path))
	if err != nil {
		return m, err
	}
	return m, b.checkDuckRows("bench.rest_orders", records)
}

// restManifest reads the bench API's orders into DuckDB; threads > 0
// declares the warehouse connection (the file at path) with that many
// DuckDB threads, else it comes from DPONE_CONN_WAREHOUSE_PATH.
func restManifest(url, path string, threads int) string {
	warehouse := ""
	if threads > 0 {
		warehouse = fmt.Sprintf("  warehouse: {path: %q, threads: %d}\n", path, threads)
	}
	return fmt.Sprintf(`kind: dpone.batch.v1
metadata: {id: bench_rest, owner: bench}
naming:
  sink_dataset: bench
connections:
%s  api:
    base_url: %s
    resources:
      - name: orders
        path: /orders
        records_path: $.data
        primary_key: [id]
        paginator: {type: page_number, limit: %d, total_pages_path: $.total_pages}
        infer: false
        columns:
          - {name: id, type: int64}
          - {name: qty, type: int64}
          - {name: price, type: "decimal(18,4)"}
          - {name: title, type: string}
          - {name: code, type: string}
          - {name: active, type: bool}
          - {name: created_at, type: timestamp}
          - {name: day, type: date}
          - {name: attrs, type: json}
          - {name: ref, type: string}
defaults:
  source: {type: rest, connection_id: api}
  sink: {type: duckdb, connection_id: warehouse, strategy: {mode: full_refresh}}
schemas:
  api:
    tables:
      - table: orders
        overrides:
          sink: {table: {name: rest_orders}}
`, warehouse, url, restPageSize)
}

// checkDuckRows counts a DuckDB table of the bench warehouse with dpone.
func (b *bench) checkDuckRows(table string, want int64) error {
	cfg := fmt.Sprintf(`{"path":%q}`, filepath.Join(b.work, "warehouse.duckdb"))
	opts := fmt.Sprintf(`{"query":"select count(*) as n from %s"}`, table)
	out, err := exec.Command(b.dpone, "read", "duckdb", "q", "--config", cfg, "--options", opts, "--format", "jsonl").CombinedOutput()
	if err != nil {
		return fmt.Errorf("count %s: %w\n%s", table, err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf(`"n":%d}`, want)) && !strings.Contains(string(out), fmt.Sprintf(`"n":"%d"}`, want)) {
		return fmt.Errorf("%s holds %s, want %d rows", table, out, want)
	}
	return nil
}

// restRatio is the line under the table comparing rest_to_duckdb with
// the plain loop (issue 15's target: within 1.5x).
func restRatio(r *results) string {
	walls := map[string]float64{}
	for _, s := range r.Results {
		walls[s.Scenario] = s.WallSecs
	}
	loop := walls["rest_plain_loop"]
	if loop == 0 {
		return ""
	}
	out := ""
	for _, name := range []string{"rest_to_duckdb", "rest_to_duckdb_t1"} {
		if dp := walls[name]; dp > 0 {
			out += fmt.Sprintf("%s / rest_plain_loop wall: %.2fx (target <= 1.5x)\n", name, dp/loop)
		}
	}
	return out
}
