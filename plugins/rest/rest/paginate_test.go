package rest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/plugins/rest/restapi"
	"github.com/dpone-go/dpone/sdk"
)

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i + 1)
	}
	return out
}

// TestPaginationKinds reads 23 orders through every paginator kind: each
// record exactly once, in the API's order, and the request count shows
// each stop rule ended on time (with a total, prefetch asks for no page
// past it; without, it is off here: TestPrefetch).
func TestPaginationKinds(t *testing.T) {
	cases := []struct {
		name     string
		resource string
		requests int
	}{
		{"page_number with total pages", `{"name":"orders","path":"/orders","records_path":"$.data","paginator":{"type":"page_number","limit":10,"total_pages_path":"$.total_pages"}}`, 3},
		{"page_number until an empty page", `{"name":"orders","path":"/orders","records_path":"$.data","paginator":{"type":"page_number","limit":10,"prefetch":false}}`, 4},
		{"page_number until a short page", `{"name":"orders","path":"/orders","records_path":"$.data","paginator":{"type":"page_number","limit":10,"stop_on_short_page":true,"prefetch":false}}`, 3},
		{"offset with total", `{"name":"orders","path":"/offset/orders","records_path":"$.results","paginator":{"type":"offset","limit":10,"total_path":"$.meta.total"}}`, 3},
		{"offset until an empty page", `{"name":"orders","path":"/offset/orders","records_path":"$.results","paginator":{"type":"offset","limit":10,"prefetch":false}}`, 4},
		{"next_url in the body", `{"name":"orders","path":"/next/orders","records_path":"$.items","paginator":{"type":"next_url","next_url_path":"$.next"}}`, 5},
		{"link_header", `{"name":"orders","path":"/link/orders","paginator":{"type":"link_header"}}`, 6},
		{"cursor in the body", `{"name":"orders","path":"/cursor/orders","records_path":"$.data","paginator":{"type":"cursor","cursor_path":"$.next_cursor"}}`, 8},
		{"cursor with has_more", `{"name":"orders","path":"/cursor/orders","records_path":"data","paginator":{"type":"cursor","cursor_path":"$.next_cursor","has_more_path":"$.has_more"}}`, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := restapi.New(23)
			srv := startAPI(t, api)
			rec, err := read(t, config(t, srv, `"resources":[`+tc.resource+`]`), "orders", sdk.ReadFull, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ids(23), rec.column("id")); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			total := 0
			for _, n := range api.Requests {
				total += n
			}
			if total != tc.requests {
				t.Errorf("got %d requests, want %d", total, tc.requests)
			}
		})
	}
}

// TestPaginationLoops: an API that ignores its page parameter, and one
// that sends the same cursor twice, fail with a DATA error naming the
// resource instead of reading forever.
func TestPaginationLoops(t *testing.T) {
	cases := map[string]string{
		"page parameter ignored": `{"name":"stuck","path":"/stuck/orders","records_path":"$.data","paginator":{"type":"page_number","limit":3}}`,
		"same cursor twice":      `{"name":"stuck","path":"/stuck-cursor/orders","records_path":"$.data","paginator":{"type":"cursor","cursor_path":"$.next_cursor"}}`,
	}
	for name, res := range cases {
		t.Run(name, func(t *testing.T) {
			api := restapi.New(10)
			srv := startAPI(t, api)
			_, err := read(t, config(t, srv, `"resources":[`+res+`]`), "stuck", sdk.ReadFull, nil, "")
			if sdk.CodeOf(err) != sdk.CodeData {
				t.Fatalf("got %v (code %v), want a DATA error", err, sdk.CodeOf(err))
			}
			if want := `resource "stuck": pagination loop`; !strings.Contains(err.Error(), want) {
				t.Errorf("got %q, want it to contain %q", err, want)
			}
			if n := api.Requests[fmt.Sprintf("/%s/orders", map[bool]string{true: "stuck", false: "stuck-cursor"}[name == "page parameter ignored"])]; n > 3 {
				t.Errorf("got %d requests before the loop was seen, want at most 3", n)
			}
		})
	}
}

func TestLinkNext(t *testing.T) {
	cases := map[string]string{
		`<https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"`: "https://x/a?page=2",
		`<https://x/a?q=a,b>; rel="prev next"`:                               "https://x/a?q=a,b",
		`<https://x/a?page=1>; rel="first"`:                                  "",
		``:                                                                   "",
	}
	for h, want := range cases {
		if got := linkNext([]string{h}); got != want {
			t.Errorf("linkNext(%q) = %q, want %q", h, got, want)
		}
	}
}
