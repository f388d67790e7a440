package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dpone-go/dpone/plugins/rest/rest"
	"github.com/dpone-go/dpone/plugins/rest/restapi"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// typesBody is a page with every logical type the connector maps, with
// NULLs, extreme decimals, zoned timestamps and unicode.
const typesBody = `{"data":[
 {"id":1,"flag":true,"qty":9223372036854775807,"ratio":1.5,"price":"99999999999999999999999999.999999999999","day":"2024-02-29","at":"2024-02-29T23:59:59.999999+05:30","note":"naïve café 😀","meta":{"a":22.00,"b":[true,null]}},
 {"id":2,"flag":false,"qty":-9223372036854775808,"ratio":-0.25,"price":"-0.000000000001","day":"1900-01-01","at":"1969-07-20T20:17:40Z","note":"日本語 \"quoted\"","meta":[]},
 {"id":3,"flag":null,"qty":null,"ratio":null,"price":null,"day":null,"at":null,"note":null,"meta":null}
]}`

// TestCertify runs dpone's certification suite against the rest source,
// in process through the SDK's gRPC adapter, over the test shop API on
// 127.0.0.1: a typed resource, and orders read incrementally by
// updated_at with page_number pagination.
func TestCertify(t *testing.T) {
	api := restapi.New(25)
	api.Key = "good-key"
	mux := http.NewServeMux()
	mux.HandleFunc("/types", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "good-key" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(typesBody))
	})
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resources := `"resources":[
	 {"name":"types","path":"/types","records_path":"$.data","primary_key":["id"],"columns":[
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
		orders = append(orders, map[string]any{"id": i, "status": "placed", "amount": json.Number(jsonNum(i)),
			"updated_at": restapi.UpdatedAt(int64(i))})
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
			},
			{
				Name:  "orders",
				Rows:  orders,
				Types: map[string]string{"id": "int64", "status": "string", "amount": "decimal(12,2)", "updated_at": "timestamp(6, tz)"},
				Incremental: &sdktest.IncrementalFixture{
					Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`),
					Cursor:  "updated_at",
				},
			},
		},
	})
}

func jsonNum(i int) string { return json.Number(itoa(i) + ".50").String() }

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
