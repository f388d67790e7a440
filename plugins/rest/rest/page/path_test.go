package page

import (
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// TestRecordsPath selects records with every kind of JSONPath segment,
// streamed or on the whole page, keeping each record's raw text.
func TestRecordsPath(t *testing.T) {
	const shop = `{"data":[{"id":1,"amount":22.00,"active":true},{"id":2,"amount":5,"active":false},{"id":3,"amount":10.5,"active":true}],` +
		`"byid":{"x":{"id":7},"y":{"id":8}},"nested":{"r":[{"orders":[{"id":11}]},{"more":{"orders":[{"id":12},{"id":13}]}}]},"next":"/p2","empty":null}`
	const d1, d2, d3 = `{"id":1,"amount":22.00,"active":true}`, `{"id":2,"amount":5,"active":false}`, `{"id":3,"amount":10.5,"active":true}`
	cases := []struct {
		path     string
		body     string
		streamed bool
		want     []string
	}{
		{"$.data", shop, true, []string{d1, d2, d3}},
		{"data", shop, true, []string{d1, d2, d3}},
		{"$['data']", shop, true, []string{d1, d2, d3}},
		{"$.data[*]", shop, true, []string{d1, d2, d3}},
		{"$.byid.*", shop, true, []string{`{"id":7}`, `{"id":8}`}},
		{"$.byid", shop, true, []string{`{"x":{"id":7},"y":{"id":8}}`}},
		{"$.empty", shop, true, nil},
		{"$.missing", shop, true, nil},
		{"$", `[{"id":1},{"id":2}]`, true, []string{`{"id":1}`, `{"id":2}`}},
		{"", `{"id":1}`, true, []string{`{"id":1}`}},
		{"$[*]", `[{"id":1},{"id":2}]`, true, []string{`{"id":1}`, `{"id":2}`}},
		{"$.data[?@.active == true]", shop, false, []string{d1, d3}},
		{"$.data[?@.amount > 9]", shop, false, []string{d1, d3}},
		{"$.data[?@.id == 2 || @.id == 3]", shop, false, []string{d2, d3}},
		{"$..orders", shop, false, []string{`{"id":11}`, `{"id":12}`, `{"id":13}`}},
		{"$..orders[*]", shop, false, []string{`{"id":11}`, `{"id":12}`, `{"id":13}`}},
		{"$.data[1:3]", shop, false, []string{d2, d3}},
		{"$.data[-1:]", shop, false, []string{d3}},
		{"$.data[::2]", shop, false, []string{d1, d3}},
		{"$.data[0]", shop, false, []string{d1}},
		{"$.data[2,0]", shop, false, []string{d1, d3}}, // document order
		{"$['data','byid']", shop, false, []string{d1, d2, d3, `{"x":{"id":7},"y":{"id":8}}`}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			rp, err := Compile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if rp.Streamed() != c.streamed {
				t.Errorf("streamed = %v, want %v", rp.Streamed(), c.streamed)
			}
			want := c.want
			var got []string
			s := &Scan{Records: rp, Wants: [][]string{{"next"}}, OnRecord: func(raw []byte) error { got = append(got, string(raw)); return nil }}
			if err := s.Read(iotest.HalfReader(strings.NewReader(c.body))); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if strings.Contains(c.body, `"next"`) && string(s.Captured[0]) != `"/p2"` {
				t.Errorf("captured next %q, want \"/p2\"", s.Captured[0])
			}
		})
	}
}

// TestRecordsPathErrors: a path that is not JSONPath is a config error
// naming the grammar; one that selects scalars is a data error.
func TestRecordsPathErrors(t *testing.T) {
	for _, bad := range []string{"$.data[?@.x ==]", "$[", "$.a.", "$.data[?foo()]"} {
		if _, err := Compile(bad); err == nil || !strings.Contains(err.Error(), "RFC 9535") {
			t.Errorf("%q: got %v, want an error naming RFC 9535", bad, err)
		}
	}
	s := &Scan{Records: mustPath(t, "$.data[?@ > 1]"), OnRecord: func([]byte) error { return nil }}
	err := s.Read(strings.NewReader(`{"data":[1,2]}`))
	if err == nil || !strings.Contains(err.Error(), "want an array of objects or an object") {
		t.Errorf("got %v, want a scalar-selection error", err)
	}
}
