package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dpone-go/dpone/plugins/rest/rest"
	"github.com/dpone-go/dpone/plugins/rest/restapi"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// typesAPI serves /types: records with every logical type the connector
// maps (NULLs, extreme decimals, zoned timestamps, unicode), those with
// id >= min_id, in id order. Records can be changed between reads.
type typesAPI struct {
	mu      sync.Mutex
	records map[int]string
}

func newTypesAPI() *typesAPI {
	return &typesAPI{records: map[int]string{
		1: `{"id":1,"flag":true,"qty":9223372036854775807,"ratio":1.5,"price":"99999999999999999999999999.999999999999","day":"2024-02-29","at":"2024-02-29T23:59:59.999999+05:30","note":"naïve café 😀","meta":{"a":22.00,"b":[true,null]}}`,
		2: `{"id":2,"flag":false,"qty":-9223372036854775808,"ratio":-0.25,"price":"-0.000000000001","day":"1900-01-01","at":"1969-07-20T20:17:40Z","note":"日本語 \"quoted\"","meta":[]}`,
		3: `{"id":3,"flag":null,"qty":null,"ratio":null,"price":null,"day":null,"at":null,"note":null,"meta":null}`,
	}}
}

func (a *typesAPI) put(id int, rec string) func(context.Context) error {
	return func(context.Context) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		if rec == "" {
			delete(a.records, id)
		} else {
			a.records[id] = rec
		}
		return nil
	}
}

func (a *typesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-API-Key") != "good-key" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	minID, _ := strconv.Atoi(r.URL.Query().Get("min_id"))
	a.mu.Lock()
	defer a.mu.Unlock()
	var ids []int
	for id := range a.records {
		if id >= minID {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = a.records[id]
	}
	fmt.Fprintf(w, `{"data":[%s]}`, strings.Join(parts, ","))
}

// steps runs mutation steps in order.
func steps(fns ...func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, f := range fns {
			if err := f(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// order is a mutation step on the shop API.
func order(api *restapi.Server, id int64, status, amount, at string) func(context.Context) error {
	return func(context.Context) error {
		if status == "" {
			api.DeleteOrder(id)
		} else {
			api.PutOrder(id, status, amount, at)
		}
		return nil
	}
}

// TestCertify runs dpone's certification suite, strict, against the rest
// source, in process through the SDK's gRPC adapter, over local APIs on
// 127.0.0.1: a typed resource read incrementally by id, and the shop's
// orders read incrementally by updated_at with page_number pagination,
// each changed between incremental reads.
func TestCertify(t *testing.T) {
	api := restapi.New(25)
	api.Key = "good-key"
	types := newTypesAPI()
	mux := http.NewServeMux()
	mux.Handle("/types", types)
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resources := `"resources":[
	 {"name":"types","path":"/types","records_path":"$.data","primary_key":["id"],"incremental":{"param":"min_id"},"columns":[
	  {"name":"id","type":"int64"},{"name":"flag","type":"bool"},{"name":"qty","type":"int64"},{"name":"ratio","type":"float64"},
	  {"name":"price","type":"decimal(38,12)"},{"name":"day","type":"date"},{"name":"at","type":"timestamp"},
	  {"name":"note","type":"string"},{"name":"meta","type":"json"}]},
	 {"name":"orders","path":"/orders","records_path":"$.data","primary_key":["id"],
	  "paginator":{"type":"page_number","limit":4,"total_pages_path":"$.total_pages"},
	  "incremental":{"param":"updated_since"},
	  "columns":[{"name":"id","type":"int64"},{"name":"status","type":"string"},{"name":"amount","type":"decimal(12,2)"},{"name":"updated_at","type":"timestamp"}],
	  "infer":false}]`
	cfg := func(key, base string) json.RawMessage {
		return json.RawMessage(`{"base_url":"` + base + `","retry":{"max_retries":1,"backoff":"1ms"},"auth":{"type":"api_key","name":"X-API-Key","value":"` + key + `"},` + resources + `}`)
	}
	var orders []map[string]any
	for i := 1; i <= 25; i++ {
		orders = append(orders, map[string]any{"id": i, "status": "placed", "amount": fmt.Sprintf("%d.50", i), "updated_at": restapi.UpdatedAt(int64(i))})
	}
	sdktest.TestSource(t, sdktest.Fixture{
		Factory:        rest.New,
		Config:         cfg("good-key", srv.URL),
		BadCredentials: cfg("bad-key", srv.URL),
		Unreachable:    cfg("good-key", "http://127.0.0.1:1"),
		Streams: []sdktest.StreamFixture{
			{
				Name: "types",
				Rows: []map[string]any{
					{"id": 1, "flag": true, "qty": json.Number("9223372036854775807"), "ratio": 1.5, "price": "99999999999999999999999999.999999999999",
						"day": "2024-02-29", "at": "2024-02-29T18:29:59.999999Z", "note": "naïve café 😀", "meta": `{"a":22.00,"b":[true,null]}`},
					{"id": 2, "flag": false, "qty": json.Number("-9223372036854775808"), "ratio": -0.25, "price": "-0.000000000001",
						"day": "1900-01-01", "at": "1969-07-20T20:17:40Z", "note": `日本語 "quoted"`, "meta": `[]`},
					{"id": 3, "flag": nil, "qty": nil, "ratio": nil, "price": nil, "day": nil, "at": nil, "note": nil, "meta": nil},
				},
				Types: map[string]string{"id": "int64", "flag": "bool", "qty": "int64", "ratio": "float64", "price": "decimal(38,12)",
					"day": "date", "at": "timestamp(6, tz)", "note": "string", "meta": "json"},
				Incremental: &sdktest.IncrementalFixture{
					Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"id"}`),
					Cursor:  "id",
				},
				// The last checkpoint is id 3.
				Mutations: []sdktest.MutationFixture{
					{Name: "insert ids 4 and 5, change id 3 at the checkpoint's cursor value, delete id 1", Do: steps(
						types.put(4, `{"id":4,"note":"inserted","price":"0.5","at":"2025-03-01T12:00:00-03:30"}`),
						types.put(5, `{"id":5,"note":"also inserted","meta":{"x":1.10}}`),
						types.put(3, `{"id":3,"note":"changed at the checkpoint"}`),
						types.put(1, ""))},
				},
			},
			{
				Name:  "orders",
				Rows:  orders,
				Types: map[string]string{"id": "int64", "status": "string", "amount": "decimal(12,2)", "updated_at": "timestamp(6, tz)"},
				Incremental: &sdktest.IncrementalFixture{
					Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`),
					Cursor:  "updated_at",
				},
				// The last checkpoint is order 25's updated_at.
				Mutations: []sdktest.MutationFixture{
					{Name: "insert order 26, update order 2 onto the checkpoint's cursor value (smaller key), delete order 4", Do: steps(
						order(api, 26, "placed", "26.50", restapi.UpdatedAt(26)),
						order(api, 2, "moved", "2.75", restapi.UpdatedAt(25)),
						order(api, 4, "", "", ""))},
					{Name: "update order 3, insert order 27 tying with it, delete order 26", Do: steps(
						order(api, 3, "updated", "3.25", restapi.UpdatedAt(40)),
						order(api, 27, "ties with 3", "-0.50", restapi.UpdatedAt(40)),
						order(api, 26, "", "", ""))},
				},
			},
		},
		Strict: true,
	})
}
