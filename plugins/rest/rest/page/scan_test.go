package page

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/plugins/rest/rest/jsonlex"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestParsePath(t *testing.T) {
	cases := map[string][]string{"": nil, "$": nil, "$.data": {"data"}, "data.items": {"data", "items"}, "$['odd key'].x": {"odd key", "x"}}
	for in, want := range cases {
		got, err := ParseKeys(in)
		if err != nil {
			t.Fatalf("ParseKeys(%q): %v", in, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ParseKeys(%q) (-want +got):\n%s", in, diff)
		}
	}
	for _, bad := range []string{"$..x", "$[0]", "$.a..b"} {
		if _, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q): got no error", bad)
		}
	}
}

// TestPageScan streams records from a nested path, keeps their raw text
// (22.00 stays 22.00), and captures values before and after the records.
func TestPageScan(t *testing.T) {
	body := `{"meta":{"total":2},"data":{"items":[{"a":22.00},{"a":"x","b":[1,{"c":null}]}]},"next":"/p2"}`
	var got []string
	s := &Scan{Records: mustPath(t, "$.data.items"), Wants: [][]string{{"meta", "total"}, {"next"}},
		OnRecord: func(raw []byte) error { got = append(got, string(raw)); return nil }}
	if err := s.Read(strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`{"a":22.00}`, `{"a":"x","b":[1,{"c":null}]}`}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if string(s.Captured[0]) != "2" || string(s.Captured[1]) != `"/p2"` {
		t.Errorf("captured %q, want 2 and \"/p2\"", s.Captured)
	}
}

// TestPageScanMalformed: a body broken mid-record is a jsonlex.Error with the
// byte offset where decoding stopped, after the records before it.
func TestPageScanMalformed(t *testing.T) {
	body := `{"data":[{"id":1},{"id":2},{"id":`
	n := 0
	s := &Scan{Records: mustPath(t, "$.data"), OnRecord: func([]byte) error { n++; return nil }}
	err := s.Read(strings.NewReader(body))
	var je *jsonlex.Error
	if !asJSONError(err, &je) {
		t.Fatalf("got %v, want a jsonlex.Error", err)
	}
	if n != 2 {
		t.Errorf("got %d records before the break, want 2", n)
	}
	if !contains(err.Error(), "malformed JSON at byte") {
		t.Errorf("got %q, want the byte offset", err)
	}
}

func mustPath(t *testing.T, p string) *Path {
	t.Helper()
	rp, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func asJSONError(err error, je **jsonlex.Error) bool {
	e, ok := err.(*jsonlex.Error)
	*je = e
	return ok
}

// TestPageScanEmptyBody: an empty body (a 204, or a 200 with nothing) is
// a page without records, not malformed JSON; white space alone too.
func TestPageScanEmptyBody(t *testing.T) {
	for _, body := range []string{"", " \n"} {
		n := 0
		s := &Scan{Records: mustPath(t, "$.data"), Wants: [][]string{{"next"}}, OnRecord: func([]byte) error { n++; return nil }}
		if err := s.Read(strings.NewReader(body)); err != nil || n != 0 || s.Captured[0] != nil {
			t.Errorf("%q: got %d records, captured %q, %v; want none and no error", body, n, s.Captured, err)
		}
	}
}
