package rest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/plugins/rest/restapi"
	"github.com/dpone-go/dpone/sdk"
)

const shopResources = `"resources":[
 {"name":"orders","path":"/orders","records_path":"$.data","primary_key":["id"],
  "paginator":{"type":"page_number","limit":4,"total_pages_path":"$.total_pages"},
  "incremental":{"param":"updated_since"},
  "columns":[{"name":"id","type":"int64"},{"name":"amount","type":"decimal(12,2)"},{"name":"updated_at","type":"timestamp"}]},
 {"name":"items","path":"/orders/{{ parent.id }}/items","records_path":"$.data","primary_key":["id"],
  "parent":{"resource":"orders","fields":["id"]},
  "paginator":{"type":"page_number","limit":1},
  "incremental":{"param":"updated_since"},
  "columns":[{"name":"id","type":"int64"},{"name":"qty","type":"int64"},{"name":"updated_at","type":"timestamp"}]}]`

const incOpts = `{"incremental_strategy":"column","incremental_column":"updated_at"}`

// TestIncremental: the first read takes everything and checkpoints the
// largest updated_at; the next sends it as updated_since and gets only
// what changed: the API is inclusive, so the records at the cursor come
// again and are dropped by their fingerprint in the checkpoint.
func TestIncremental(t *testing.T) {
	api := restapi.New(9)
	srv := startAPI(t, api)
	cfg := config(t, srv, shopResources)
	first, err := read(t, cfg, "orders", sdk.ReadIncremental, nil, incOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.rows) != 9 {
		t.Fatalf("first read: got %d rows, want 9", len(first.rows))
	}
	var st state
	if err := json.Unmarshal(first.lastState(), &st); err != nil || st.Cursor == nil || *st.Cursor != "2024-01-01T00:09:00Z" {
		t.Fatalf("first checkpoint %s, want cursor 2024-01-01T00:09:00Z", first.lastState())
	}
	api.PutOrder(3, "paid", "3.50", "2024-02-01T00:00:00Z")
	api.PutOrder(10, "placed", "10.50", "2024-02-02T00:00:00Z")
	second, err := read(t, cfg, "orders", sdk.ReadIncremental, first.lastState(), incOpts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3", "10"}, second.column("id")); diff != "" {
		t.Errorf("second read ids (-want +got):\n%s", diff)
	}
	if got := second.rows[0]["status"]; got != "paid" {
		t.Errorf("order 3 status %q, want paid", got)
	}
	// lookback re-reads a day before the cursor (order 10, at the cursor, was read)
	third, err := read(t, cfg, "orders", sdk.ReadIncremental, second.lastState(),
		`{"incremental_strategy":"column","incremental_column":"updated_at","lookback":"1 day"}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3"}, third.column("id")); diff != "" {
		t.Errorf("lookback read ids (-want +got):\n%s", diff)
	}
	// a full read ignores the cursor
	full, err := read(t, cfg, "orders", sdk.ReadFull, second.lastState(), incOpts)
	if err != nil || len(full.rows) != 10 {
		t.Fatalf("full read: got %d rows, %v; want 10", len(full.rows), err)
	}
}

// TestParentChild: items are read per order, each order with its own
// paginator (one item per page) and its own cursor: an item changed
// under order 2 is read again, and order 1's cursor does not move.
func TestParentChild(t *testing.T) {
	api := restapi.New(3)
	srv := startAPI(t, api)
	cfg := config(t, srv, shopResources)
	first, err := read(t, cfg, "items", sdk.ReadIncremental, nil, incOpts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"101", "102", "201", "202", "301", "302"}, first.column("id")); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1", "1", "2", "2", "3", "3"}, first.column("_parent_id")); diff != "" {
		t.Errorf("_parent_id (-want +got):\n%s", diff)
	}
	var st state
	if err := json.Unmarshal(first.lastState(), &st); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"1": "2024-01-01T00:01:02Z", "2": "2024-01-01T00:02:02Z", "3": "2024-01-01T00:03:02Z"}
	if diff := cmp.Diff(want, cursors(st)); diff != "" {
		t.Errorf("per-parent cursors (-want +got):\n%s", diff)
	}
	api.PutItem(2, 203, 9, "2024-03-01T00:00:00Z")
	second, err := read(t, cfg, "items", sdk.ReadIncremental, first.lastState(), incOpts)
	if err != nil {
		t.Fatal(err)
	}
	// each parent gets its own last item again (inclusive API) and drops it;
	// only the new item is read
	if diff := cmp.Diff([]string{"203"}, second.column("id")); diff != "" {
		t.Errorf("second read items (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal(second.lastState(), &st); err != nil {
		t.Fatal(err)
	}
	want["2"] = "2024-03-01T00:00:00Z"
	if diff := cmp.Diff(want, cursors(st)); diff != "" {
		t.Errorf("per-parent cursors (-want +got):\n%s", diff)
	}
}

// TestMalformedMidPage: a page broken mid-record fails with DATA naming
// the resource, the URL and the byte offset.
func TestMalformedMidPage(t *testing.T) {
	api := restapi.New(12)
	api.Faults.MalformedPage = 2
	srv := startAPI(t, api)
	_, err := read(t, config(t, srv, shopResources), "orders", sdk.ReadFull, nil, "")
	if sdk.CodeOf(err) != sdk.CodeData {
		t.Fatalf("got %v, want DATA", err)
	}
	for _, want := range []string{`resource "orders"`, "/orders?limit=4&page=2", "malformed JSON at byte"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
}

// TestInferFlatten: without declared columns, types come from a sample;
// nested objects are one json column, or a__b columns with flatten.
func TestInferFlatten(t *testing.T) {
	api := restapi.New(2)
	srv := startAPI(t, api)
	res := `"resources":[{"name":"orders","path":"/orders","records_path":"$.data","primary_key":["id"]}]`
	cases := map[string]struct {
		opts  string
		types map[string]string
	}{
		"json": {"", map[string]string{"id": "int64", "status": "utf8", "amount": "float64", "updated_at": "timestamp[us, tz=UTC]", "customer": "utf8"}},
		"flatten": {`{"nested":"flatten"}`, map[string]string{"id": "int64", "status": "utf8", "amount": "float64", "updated_at": "timestamp[us, tz=UTC]",
			"customer__id": "int64", "customer__name": "utf8"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec, err := read(t, config(t, srv, res), "orders", sdk.ReadFull, nil, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range rec.schema.Fields() {
				got[f.Name] = f.Type.String()
			}
			if diff := cmp.Diff(tc.types, got); diff != "" {
				t.Errorf("types (-want +got):\n%s", diff)
			}
			if name == "json" {
				if v := rec.rows[0]["customer"]; v != `{"id":1,"name":"customer 1"}` {
					t.Errorf("customer json %q", v)
				}
				if f, _ := rec.schema.FieldsByName("customer"); f[0].Metadata.Values()[0] != sdk.LogicalJSON {
					t.Errorf("customer is not marked json")
				}
			}
		})
	}
}

// TestDiscover lists the resources with sampled schemas, keys and cursor.
func TestDiscover(t *testing.T) {
	api := restapi.New(3)
	srv := startAPI(t, api)
	cfg := config(t, srv, shopResources)
	streams, err := New().(*Connector).Discover(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range streams {
		var names []string
		for _, f := range s.Schema.Fields() {
			names = append(names, f.Name)
		}
		got = append(got, fmt.Sprintf("%s %v pk=%v", s.Name, names, s.PrimaryKey))
	}
	want := []string{"orders [id amount updated_at status customer] pk=[id]", "items [id qty updated_at _parent_id order_id sku] pk=[id]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("streams (-want +got):\n%s", diff)
	}
}

func cursors(st state) map[string]string {
	out := map[string]string{}
	for k, v := range st.Parents {
		out[k] = v.Cursor
	}
	return out
}

// TestDescribeDeclared: a resource with infer: false is described from
// its declaration alone, without a request, with the same schema a read
// sends (the parent's declared type for _parent_ columns).
func TestDescribeDeclared(t *testing.T) {
	api := restapi.New(3)
	srv := startAPI(t, api)
	cfg := config(t, srv, shopResources)
	opts := json.RawMessage(`{"infer":false}`)
	st, err := New().(*Connector).DescribeStream(t.Context(), sdk.ReadRequest{Config: cfg, Stream: "items", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(api.Requests); n != 0 {
		t.Errorf("describe sent requests %v, want none", api.Requests)
	}
	rec, err := read(t, cfg, "items", sdk.ReadFull, nil, string(opts))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Schema.Equal(rec.schema) {
		t.Errorf("described %v, read %v", st.Schema, rec.schema)
	}
	if f, _ := st.Schema.FieldsByName("_parent_id"); len(f) != 1 || f[0].Type.String() != "int64" {
		t.Errorf("_parent_id: got %v, want int64 as the parent declares", f)
	}
}

// TestReadJSONPathFilter: a records_path with a filter reads only the
// records it selects, page after page (the page is read whole).
func TestReadJSONPathFilter(t *testing.T) {
	api := restapi.New(9)
	api.PutOrder(2, "paid", "2.50", "2024-02-01T00:00:00Z")
	api.PutOrder(7, "paid", "7.50", "2024-02-01T00:00:00Z")
	srv := startAPI(t, api)
	cfg := config(t, srv, `"resources":[{"name":"paid","path":"/orders","records_path":"$.data[?@.status == 'paid']",
	 "paginator":{"type":"page_number","limit":4,"total_pages_path":"$.total_pages"},
	 "columns":[{"name":"id","type":"int64"},{"name":"amount","type":"decimal(12,2)"}],"infer":false}]`)
	rec, err := read(t, cfg, "paid", sdk.ReadFull, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2", "7"}, rec.column("id")); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2.5", "7.5"}, rec.column("amount")); diff != "" {
		t.Errorf("amounts (-want +got):\n%s", diff)
	}
}

// TestParentIncremental: with parent.incremental the parent's pagination
// sends the parent's own cursor, so only the orders changed since the
// last read get their items requested; an item change that does not
// touch its order is not seen (the documented contract of the option).
func TestParentIncremental(t *testing.T) {
	api := restapi.New(3)
	srv := startAPI(t, api)
	cfg := config(t, srv, strings.Replace(shopResources, `"parent":{"resource":"orders","fields":["id"]}`,
		`"parent":{"resource":"orders","fields":["id"],"incremental":true}`, 1))
	first, err := read(t, cfg, "items", sdk.ReadIncremental, nil, incOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.rows) != 6 {
		t.Fatalf("first read: got %d items, want 6", len(first.rows))
	}
	var st state
	if err := json.Unmarshal(first.lastState(), &st); err != nil || st.ParentCursor == nil || *st.ParentCursor != restapi.UpdatedAt(3) {
		t.Fatalf("checkpoint %s, want parent_cursor %s", first.lastState(), restapi.UpdatedAt(3))
	}
	itemRequests := func() map[string]int {
		m := map[string]int{}
		for p, c := range api.Requests {
			if strings.HasSuffix(p, "/items") {
				m[p] = c
			}
		}
		return m
	}
	before := itemRequests()
	api.PutItem(2, 203, 9, "2024-03-01T00:00:00Z") // order 2 untouched
	second, err := read(t, cfg, "items", sdk.ReadIncremental, first.lastState(), incOpts)
	if err != nil {
		t.Fatal(err)
	}
	// order 3 is at the parent cursor (inclusive API): its items are
	// requested again and dropped; orders 1 and 2 are not requested
	var asked []string
	for p, n := range itemRequests() {
		if n != before[p] {
			asked = append(asked, p)
		}
	}
	if diff := cmp.Diff([]string{"/orders/3/items"}, asked); diff != "" || len(second.rows) != 0 {
		t.Errorf("unchanged orders: items %v, want none; item paths requested (-want +got):\n%s", second.column("id"), diff)
	}
	api.PutOrder(2, "paid", "2.50", "2024-03-01T00:00:01Z")
	third, err := read(t, cfg, "items", sdk.ReadIncremental, second.lastState(), incOpts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"203"}, third.column("id")); diff != "" {
		t.Errorf("after order 2 changed (-want +got):\n%s", diff)
	}
	noParam := strings.Replace(strings.Replace(shopResources, `"parent":{"resource":"orders","fields":["id"]}`,
		`"parent":{"resource":"orders","fields":["id"],"incremental":true}`, 1), `"paginator":{"type":"page_number","limit":4,"total_pages_path":"$.total_pages"},
  "incremental":{"param":"updated_since"},`, `"paginator":{"type":"page_number","limit":4,"total_pages_path":"$.total_pages"},`, 1)
	if _, err := read(t, config(t, srv, noParam), "items", sdk.ReadIncremental, nil, incOpts); sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "parent.incremental") {
		t.Errorf("parent.incremental with a parent that takes no cursor: got %v, want CONFIG naming parent.incremental", err)
	}
}
