package rest

import (
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestCursorMaxUnordered: the max is taken over records in any order, by
// number or instant, with the tie group at it; a resumed pagination drops
// exactly the records of the prior group and keeps one changed at the
// same value.
func TestCursorMaxUnordered(t *testing.T) {
	m := newCursorMax(nil, nil, 10)
	for _, r := range []struct{ c, raw string }{{"9", "a"}, {"10", "b"}, {"2", "c"}, {"10", "d"}, {"", "e"}} {
		m.take(r.c, []byte(r.raw))
	}
	c, seen := m.result(nil, nil)
	if c == nil || *c != "10" || len(seen) != 2 {
		t.Fatalf("got cursor %v seen %v, want 10 with 2 records (numbers compare as numbers)", c, seen)
	}
	r := newCursorMax(c, seen, 10)
	kept := []bool{r.take("10", []byte("b")), r.take("10", []byte("d changed")), r.take("11", []byte("f"))}
	if kept[0] || !kept[1] || !kept[2] {
		t.Errorf("kept %v, want [false true true]", kept)
	}
	tz := newCursorMax(nil, nil, 10)
	tz.take("2024-01-01T10:00:00+02:00", []byte("x"))
	tz.take("2024-01-01T09:00:00Z", []byte("y"))
	if c, _ := tz.result(nil, nil); *c != "2024-01-01T09:00:00Z" {
		t.Errorf("got %s, want the later instant 09:00Z", *c)
	}
	capped := newCursorMax(nil, nil, 1)
	capped.take("5", []byte("a"))
	capped.take("5", []byte("b"))
	if c, seen := capped.result(nil, nil); *c != "5" || seen != nil {
		t.Errorf("past tie_cap: got %v %v, want cursor 5 and no group", *c, seen)
	}
}

func TestStartFrom(t *testing.T) {
	p := func(s string) *string { return &s }
	cases := []struct {
		prior          *string
		lookback, init string
		want           string
	}{
		{nil, "", "", ""},
		{nil, "", "2024-01-01", "2024-01-01"},
		{p("100"), "10", "", "90"},
		{p("2024-01-02T00:00:00Z"), "2 hours", "", "2024-01-01T22:00:00Z"},
		{p("2024-01-02T00:00:00Z"), "90m", "", "2024-01-01T22:30:00Z"},
	}
	for _, tc := range cases {
		var lb, in *sdk.Scalar
		if tc.lookback != "" {
			lb = &sdk.Scalar{Text: tc.lookback}
		}
		if tc.init != "" {
			in = &sdk.Scalar{Text: tc.init}
		}
		got, err := startFrom(tc.prior, lb, in)
		if err != nil || got != tc.want {
			t.Errorf("startFrom(%v, %q, %q) = %q, %v; want %q", tc.prior, tc.lookback, tc.init, got, err, tc.want)
		}
	}
}
